import { randomBytes, randomUUID } from 'node:crypto';
import { verifyWebhookSignature } from '@ttoss/auth-core';
import { WebhookDispatcherService } from '../../src/webhooks/webhook-dispatcher.service.js';
import { WebhookOutboxRepository } from '../../src/webhooks/webhook-outbox.repository.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { type Delivery, type Receiver, REPLAY_TOLERANCE_SECONDS, startReceiver, until, verifyStandardWebhook } from '../helpers/webhook-receiver.js';

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('webhook signatures a receiver can check (Standard Webhooks)', () => {
  let receiver: Receiver;
  let t: TestApp;
  const secret = whsec();

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ env: { WEBHOOK_URL: `${receiver.url}/hooks`, WEBHOOK_SECRET: secret } });
    const dispatcher = t.app.get(WebhookDispatcherService);
    dispatcher.backoffBaseMs = 20;
    dispatcher.pollIntervalMs = 25;
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  async function deliver(app: TestApp, userId: string): Promise<Delivery> {
    await app.dataSource.transaction((m) =>
      app.app.get(WebhookOutboxRepository).enqueue(m, 'connection.created', { connectionId: randomUUID(), userId, platform: 'tiktok' }),
    );
    await app.app.get(WebhookDispatcherService).drain();
    await until(() => receiver.accepted.some((d) => d.body.data.userId === userId), `the delivery for ${userId}`);
    return receiver.accepted.find((d) => d.body.data.userId === userId)!;
  }

  it('signs id, timestamp and body with HMAC-SHA256 (v1), which a receiver verifies with node:crypto alone', async () => {
    const before = Math.floor(Date.now() / 1000);
    const d = await deliver(t, 'sign-check');
    expect(d.headers['webhook-id']).toBe(d.body.id);
    expect(Number(d.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(before);
    expect(Number(d.headers['webhook-timestamp'])).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(d.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifyStandardWebhook(secret, d.headers, d.raw)).toBe(true);

    // Each signed part matters: the body, the id and the timestamp; and only the right key verifies.
    expect(verifyStandardWebhook(secret, d.headers, d.raw.replace('sign-check', 'sign-chekc'))).toBe(false);
    expect(verifyStandardWebhook(secret, { ...d.headers, 'webhook-id': randomUUID() }, d.raw)).toBe(false);
    expect(verifyStandardWebhook(secret, { ...d.headers, 'webhook-timestamp': String(Number(d.headers['webhook-timestamp']) - 1) }, d.raw)).toBe(false);
    expect(verifyStandardWebhook(whsec(), d.headers, d.raw)).toBe(false);
    // The legacy header still comes, keyed by the variable's text as before (this release only).
    expect(verifyWebhookSignature({ payload: d.raw, secret, signature: String(d.headers['x-signature']) })).toBe(true);
  });

  it('lets a receiver refuse a captured delivery replayed outside the timestamp tolerance; each retry is signed afresh', async () => {
    const connectionId = randomUUID();
    // Refused until the clock has moved to a later second than the first attempt's, so the retry that passes carries a later timestamp.
    let firstTs: number | undefined;
    receiver.answer = (x) => {
      if (x.body.data.connectionId !== connectionId) return undefined;
      // The first attempt is always refused (it may reach us in the second after it was signed).
      if (firstTs === undefined) {
        firstTs = Number(x.headers['webhook-timestamp']);
        return 500;
      }
      return Math.floor(Date.now() / 1000) <= firstTs ? 500 : undefined;
    };
    try {
      await t.dataSource.transaction((m) =>
        t.app.get(WebhookOutboxRepository).enqueue(m, 'connection.created', { connectionId, userId: 'replay', platform: 'tiktok' }),
      );
      await until(() => receiver.accepted.some((r) => r.body.data.connectionId === connectionId), 'the retry', 10_000);
      const first = receiver.rejected.find((r) => r.body.data.connectionId === connectionId)!;
      const retry = receiver.accepted.find((r) => r.body.data.connectionId === connectionId)!;
      expect(retry.headers['webhook-id']).toBe(first.headers['webhook-id']);
      expect(retry.raw).toBe(first.raw);
      expect(Number(retry.headers['webhook-timestamp'])).toBeGreaterThan(Number(first.headers['webhook-timestamp']));
      expect(retry.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']);

      const ts = Number(retry.headers['webhook-timestamp']);
      expect(verifyStandardWebhook(secret, retry.headers, retry.raw, { nowSeconds: ts + REPLAY_TOLERANCE_SECONDS })).toBe(true);
      // Replayed six minutes later (or with a timestamp from the future): refused, the signature being right.
      expect(verifyStandardWebhook(secret, retry.headers, retry.raw, { nowSeconds: ts + REPLAY_TOLERANCE_SECONDS + 1 })).toBe(false);
      expect(verifyStandardWebhook(secret, retry.headers, retry.raw, { nowSeconds: ts - REPLAY_TOLERANCE_SECONDS - 1 })).toBe(false);
      // Moving the timestamp forward to pass the check breaks the signature.
      const now = ts + 3_600;
      expect(verifyStandardWebhook(secret, { ...retry.headers, 'webhook-timestamp': String(now) }, retry.raw, { nowSeconds: now })).toBe(false);
    } finally {
      receiver.answer = undefined;
    }
  });

  it('signs with both secrets during a rotation, so receivers holding either one accept', async () => {
    const next = whsec();
    const rotating = await startTestApp({ db: t.db, env: { WEBHOOK_URL: `${receiver.url}/hooks`, WEBHOOK_SECRET: `${next} ${secret}` } });
    try {
      await t.app.get(WebhookDispatcherService).stop(); // only the rotating instance delivers
      const d = await deliver(rotating, 'rotation');
      const signatures = String(d.headers['webhook-signature']).split(' ');
      expect(signatures).toHaveLength(2);
      for (const s of signatures) expect(s).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(verifyStandardWebhook(next, d.headers, d.raw)).toBe(true);
      expect(verifyStandardWebhook(secret, d.headers, d.raw)).toBe(true);
      expect(verifyStandardWebhook(whsec(), d.headers, d.raw)).toBe(false);
      // The legacy header carries one signature: the new (first) secret's.
      expect(verifyWebhookSignature({ payload: d.raw, secret: next, signature: String(d.headers['x-signature']) })).toBe(true);
    } finally {
      await rotating.close();
    }
  });

  it('keeps a raw secret of earlier releases working: the same X-Signature as before, and v1 keyed by its UTF-8 bytes', async () => {
    const raw = 'raw-secret-from-an-earlier-release-42';
    const legacy = await startTestApp({ db: t.db, env: { WEBHOOK_URL: `${receiver.url}/hooks`, WEBHOOK_SECRET: raw } });
    try {
      const d = await deliver(legacy, 'raw-secret');
      expect(verifyWebhookSignature({ payload: d.raw, secret: raw, signature: String(d.headers['x-signature']) })).toBe(true);
      expect(verifyStandardWebhook(raw, d.headers, d.raw)).toBe(true);
      // What a Standard Webhooks library is given for it: whsec_ + base64 of the raw secret.
      expect(verifyStandardWebhook(`whsec_${Buffer.from(raw).toString('base64')}`, d.headers, d.raw)).toBe(true);
    } finally {
      await legacy.close();
    }
  });
});
