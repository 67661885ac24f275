import { createHmac } from 'node:crypto';
import { signWebhookPayload } from '@ttoss/auth-core';
import type { WebhookSecret } from '../config/config.types.js';

export type SignatureHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  /** Legacy (`sha256=<hex>` HMAC of the body alone), kept for one release for existing receivers. */
  'X-Signature': string;
};

/**
 * Signs one delivery attempt as Standard Webhooks 1.0 (https://www.standardwebhooks.com/):
 * `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">` per secret, space-separated
 * (two during a rotation). This uses node:crypto rather than @ttoss/auth-core's signWebhookPayload:
 * that one keys the HMAC with a string (its UTF-8 bytes) and answers `sha256=<hex>`, while a `whsec_`
 * key is arbitrary bytes and the spec wants base64. For a raw-string secret the two agree (a test
 * checks). signWebhookPayload still makes the legacy X-Signature, exactly as earlier releases did,
 * with the current (first) secret: that header carries one signature only.
 */
export function signDelivery(secrets: readonly WebhookSecret[], id: string, timestampSeconds: number, body: string): SignatureHeaders {
  const signed = `${id}.${timestampSeconds}.${body}`;
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => `v1,${createHmac('sha256', s.key).update(signed).digest('base64')}`).join(' '),
    'X-Signature': signWebhookPayload({ payload: body, secret: secrets[0]!.text }),
  };
}
