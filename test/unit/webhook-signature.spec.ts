import { createHmac } from 'node:crypto';
import { signWebhookPayload, verifyWebhookSignature } from '@ttoss/auth-core';
import type { WebhookSecret } from '../../src/config/config.types.js';
import { webhookSecrets } from '../../src/config/env-parsers.js';
import { signDelivery } from '../../src/webhooks/webhook-signature.js';

function secrets(value: string): WebhookSecret[] {
  const problems: string[] = [];
  const parsed = webhookSecrets()(value, { name: 'WEBHOOK_SECRET', problem: (m) => problems.push(m), got: () => '' });
  if (!parsed) throw new Error(problems.join('; '));
  return parsed;
}

describe('Standard Webhooks signatures', () => {
  it('matches the specification’s reference vector', () => {
    // From the Standard Webhooks JavaScript library's test "sign function works"
    // (github.com/standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts, read 2026-12-03).
    const headers = signDelivery(secrets('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(headers['webhook-id']).toBe('msg_p5jXN8AQM9LWM0D4loKWxJek');
    expect(headers['webhook-timestamp']).toBe('1614265330');
  });

  it('signs with a raw secret’s UTF-8 bytes: the same as its whsec_ form, and as signWebhookPayload over id.timestamp.body', () => {
    const raw = 'an-existing-raw-secret-0123456789';
    const body = '{"id":"e1","type":"connection.created"}';
    const [v1] = signDelivery(secrets(raw), 'e1', 1700000000, body)['webhook-signature'].split(' ');
    expect(v1).toBe(signDelivery(secrets(`whsec_${Buffer.from(raw).toString('base64')}`), 'e1', 1700000000, body)['webhook-signature']);
    const hex = signWebhookPayload({ payload: `e1.1700000000.${body}`, secret: raw }).slice('sha256='.length);
    expect(v1).toBe(`v1,${Buffer.from(hex, 'hex').toString('base64')}`);
  });

  it('signs with both secrets during a rotation, the new one first; X-Signature keeps the old scheme with the first', () => {
    const [next, old] = secrets(`whsec_${Buffer.alloc(32, 7).toString('base64')} old-raw-secret-0123456789`) as [WebhookSecret, WebhookSecret];
    const body = '{"a":1}';
    const headers = signDelivery([next, old], 'e2', 1700000001, body);
    const hmac = (key: Buffer) => `v1,${createHmac('sha256', key).update(`e2.1700000001.${body}`).digest('base64')}`;
    expect(headers['webhook-signature']).toBe(`${hmac(Buffer.alloc(32, 7))} ${hmac(Buffer.from('old-raw-secret-0123456789'))}`);
    // Earlier releases' header: sha256=<hex> HMAC of the body alone, keyed by the secret's text.
    expect(headers['X-Signature']).toBe(signWebhookPayload({ payload: body, secret: next.text }));
    expect(verifyWebhookSignature({ payload: body, secret: next.text, signature: headers['X-Signature'] })).toBe(true);
  });
});
