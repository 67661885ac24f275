import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { AdminSessionService } from '../../src/auth/admin-session.service.js';
import type { WebhookEventType } from '../../src/webhooks/webhook-events.js';
import { WebhookDispatcherService } from '../../src/webhooks/webhook-dispatcher.service.js';
import { WEBHOOK_SQL, WebhookOutboxRepository } from '../../src/webhooks/webhook-outbox.repository.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { type Receiver, startReceiver, until, verifyStandardWebhook } from '../helpers/webhook-receiver.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const MAX_AGE = "interval '3 days 1 second'";
const PASSWORD = 'webhook admin password 42';

type LogLine = { level: string; context?: string; msg: string };

describe('dead letters, redelivery and a receiver that answers 410 Gone', () => {
  let receiver: Receiver;
  let t: TestApp;
  let key: string;

  const env = () => ({ WEBHOOK_URL: `${receiver.url}/hooks`, WEBHOOK_SECRET: SECRET });
  const fast = (app: TestApp) => {
    const d = app.app.get(WebhookDispatcherService);
    d.backoffBaseMs = 20;
    d.pollIntervalMs = 25;
    return d;
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ env: env() });
    fast(t);
    key = await t.adminKey();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  afterEach(() => {
    receiver.answer = undefined;
  });

  const enqueue = (app: TestApp, connectionId: string, type: WebhookEventType, userId = 'dead-letters') =>
    app.dataSource.transaction((m) => app.app.get(WebhookOutboxRepository).enqueue(m, type, { connectionId, userId, platform: 'tiktok' }));
  const eventIdOf = async (connectionId: string, seq: number) =>
    ((await t.dataSource.query('SELECT event_id FROM webhook_outbox WHERE connection_id = $1 AND seq = $2', [connectionId, seq])) as { event_id: string }[])[0]!
      .event_id;
  const rowOf = async (eventId: string) =>
    (
      (await t.dataSource.query(
        'SELECT attempts, head, dead_at IS NOT NULL AS dead, delivered_at IS NOT NULL AS delivered, last_error, queued_at FROM webhook_outbox WHERE event_id = $1',
        [eventId],
      )) as Record<string, unknown>[]
    )[0]!;
  const age = (eventId: string) => t.dataSource.query(`UPDATE webhook_outbox SET queued_at = now() - ${MAX_AGE} WHERE event_id = $1`, [eventId]);
  const api = (path: string) => request(t.url).get(path).set('Authorization', `Bearer ${key}`);
  const accepted = (connectionId: string) => receiver.accepted.filter((d) => d.body.data.connectionId === connectionId);
  const logsOf = (app: TestApp) => app.logs.map((l) => JSON.parse(l) as LogLine).filter((l) => l.context === 'Webhooks');

  let a: string;
  let deadA1: string;

  it("makes an event undelivered WEBHOOK_MAX_AGE after it was queued a dead letter, and lets its connection's next event go", async () => {
    a = randomUUID();
    receiver.answer = (d) => (d.body.data.connectionId === a && d.body.sequence === 1 ? 500 : undefined);
    await enqueue(t, a, 'connection.created');
    await enqueue(t, a, 'connection.reauth_required');
    deadA1 = await eventIdOf(a, 1);
    await until(async () => Number((await rowOf(deadA1)).attempts) >= 2, 'two failed attempts');
    expect(accepted(a)).toHaveLength(0);

    await age(deadA1); // three days and a second later, as far as this event is concerned
    await until(() => accepted(a).length === 1, "the connection's next event");
    const next = accepted(a)[0]!;
    // The receiver sees the gap: sequence 2 without 1.
    expect([next.body.type, next.body.sequence]).toEqual(['connection.reauth_required', 2]);
    expect(await rowOf(deadA1)).toMatchObject({ dead: true, delivered: false, head: false, last_error: 'HTTP 500' });
    expect(logsOf(t).some((l) => l.level === 'warn' && /became dead letters/.test(l.msg))).toBe(true);

    const page = (await api('/admin/api/webhooks/dead-letters').expect(200)).body;
    expect(page.items[0]).toEqual({
      eventId: deadA1,
      type: 'connection.created',
      connectionId: a,
      sequence: 1,
      userId: 'dead-letters',
      platform: 'tiktok',
      createdAt: expect.any(String),
      queuedAt: expect.any(String),
      deadAt: expect.any(String),
      attempts: expect.any(Number),
      lastError: 'HTTP 500',
    });
    expect(page.items[0].attempts).toBeGreaterThanOrEqual(2);
    const status = (await api('/admin/api/webhooks').expect(200)).body;
    expect(status).toEqual({
      configured: true,
      receiverHost: new URL(receiver.url).host,
      enabled: true,
      disabledAt: null,
      disabledReason: null,
      pending: 0,
      deadLetters: 1,
      maxAgeSeconds: 259_200,
    });
  });

  it('pages dead letters newest first with a cursor, through ix_webhook_outbox_dead', async () => {
    const c = randomUUID();
    receiver.answer = (d) => (d.body.data.connectionId === c ? 500 : undefined);
    await enqueue(t, c, 'connection.created');
    const deadC1 = await eventIdOf(c, 1);
    await until(async () => Number((await rowOf(deadC1)).attempts) >= 1, 'an attempt');
    await age(deadC1);
    await until(async () => Boolean((await rowOf(deadC1)).dead), 'the dead letter');

    const first = (await api('/admin/api/webhooks/dead-letters?limit=1').expect(200)).body;
    expect(first.items.map((i: { eventId: string }) => i.eventId)).toEqual([deadC1]);
    const second = (await api(`/admin/api/webhooks/dead-letters?limit=1&cursor=${first.nextCursor}`).expect(200)).body;
    expect(second).toEqual({ items: [expect.objectContaining({ eventId: deadA1 })], nextCursor: null });
    expect((await api('/admin/api/webhooks/dead-letters?cursor=bogus').expect(400)).body.error).toBe('invalid_cursor');

    const runner = t.dataSource.createQueryRunner();
    try {
      await runner.query('SET enable_seqscan = off'); // the table is tiny here; the point is that the index can serve the order
      const plan = async (sql: string, params: unknown[]) =>
        JSON.stringify(await runner.query(`EXPLAIN ${sql.replace(/\$(\d+)/g, (_, i: string) => `'${String(params[Number(i) - 1])}'`)}`));
      expect(await plan(WEBHOOK_SQL.deadPage, [51])).toMatch(/ix_webhook_outbox_dead/);
      expect(await plan(WEBHOOK_SQL.deadPageAfter, [51, new Date().toISOString(), 1])).toMatch(/ix_webhook_outbox_dead/);
      expect(await plan(WEBHOOK_SQL.deleteDead, ['2592000000', 1000])).toMatch(/ix_webhook_outbox_dead/);
      expect(await plan(WEBHOOK_SQL.endpointState, ['x'])).toMatch(/webhook_endpoint_state_pkey/);
    } finally {
      await runner.query('RESET enable_seqscan');
      await runner.release();
    }
  });

  it('redelivers a dead letter on an admin action (CSRF-checked like every admin change), with its id and sequence number', async () => {
    const email = `webhooks-${randomBytes(3).toString('hex')}@example.com`;
    await t.app.get(AdminSessionService).createAdmin(email, PASSWORD);
    const signIn = await request(t.url).post('/admin/api/session').send({ email, password: PASSWORD }).expect(200);
    const jar = signIn.headers['set-cookie']![0]!.split(';')[0]!;
    const csrf = signIn.body.csrfToken as string;
    const redeliver = (eventId: string) => request(t.url).post(`/admin/api/webhooks/dead-letters/${eventId}/redeliver`).set('Cookie', jar);

    expect((await redeliver(deadA1).expect(403)).body.error).toBe('csrf_failed');
    expect((await redeliver(deadA1).set('X-CSRF-Token', 'wrong').expect(403)).body.error).toBe('csrf_failed');
    expect(await rowOf(deadA1)).toMatchObject({ dead: true });
    expect((await redeliver(deadA1).set('X-CSRF-Token', csrf).expect(200)).body).toEqual({ eventId: deadA1, sequence: 1, requeued: true });

    await until(() => accepted(a).length === 2, 'the redelivered event');
    const again = accepted(a)[1]!;
    expect([again.body.id, again.body.type, again.body.sequence]).toEqual([deadA1, 'connection.created', 1]);
    expect(verifyStandardWebhook(SECRET, again.headers, again.raw)).toBe(true);
    // The receiver records a delivery before its answer reaches the dispatcher, which then marks the row.
    await until(async () => Boolean((await rowOf(deadA1)).delivered), 'the row to be marked delivered');
    expect(await rowOf(deadA1)).toMatchObject({ dead: false, delivered: true, head: false });

    expect((await redeliver(deadA1).set('X-CSRF-Token', csrf).expect(409)).body.error).toBe('webhook_event_not_dead');
    expect((await redeliver(randomUUID()).set('X-CSRF-Token', csrf).expect(404)).body.error).toBe('webhook_event_not_found');
    expect((await redeliver('not-a-uuid').set('X-CSRF-Token', csrf).expect(400)).body.error).toBe('validation_failed');
    // An admin API key needs no CSRF token (it is not a browser credential).
    const [deadLetter] = (await api('/admin/api/webhooks/dead-letters').expect(200)).body.items as { eventId: string }[];
    await request(t.url).post(`/admin/api/webhooks/dead-letters/${deadLetter!.eventId}/redeliver`).set('Authorization', `Bearer ${key}`).expect(200);
  });

  it('stops delivery on every instance when the receiver answers 410, and resumes in order when an admin re-enables it', async () => {
    await until(async () => (await t.app.get(WebhookDispatcherService).pending()) === 0, 'an empty queue');
    let u = await startTestApp({ db: t.db, env: env() });
    // Nest's Logger is process-wide: lines go to the newest app's log, whichever instance speaks.
    const logs = [t.logs, u.logs];
    const loud = () => logs.flatMap((l) => l.map((x) => JSON.parse(x) as LogLine)).filter((l) => /^WEBHOOK DELIVERY (IS )?DISABLED/.test(l.msg));
    try {
      fast(u);
      const g = randomUUID();
      const h = randomUUID();
      let gone = true;
      receiver.answer = (d) => (gone && d.body.data.connectionId === g ? 410 : undefined);
      await enqueue(t, g, 'connection.created', 'gone');
      await until(() => receiver.rejected.some((d) => d.status === 410), 'the 410');
      const requests = receiver.started;

      // Loud, once per instance: the one that got the 410 says it disabled delivery, the other that it finds it disabled.
      await until(() => loud().length === 2, 'the other instance to notice');
      expect(loud().map((l) => l.level)).toEqual(['error', 'error']);
      expect(
        loud()
          .map((l) => (l.msg.startsWith('WEBHOOK DELIVERY DISABLED') ? 'disabled' : 'noticed'))
          .sort(),
      ).toEqual(['disabled', 'noticed']);
      expect(loud().every((l) => l.msg.includes('POST /admin/api/webhooks/enable') && !l.msg.includes('/hooks'))).toBe(true);

      // Events are still recorded, but no instance sends anything, a restarted one included.
      await enqueue(u, g, 'connection.reauth_required', 'gone');
      await enqueue(t, h, 'connection.created', 'gone');
      await u.close();
      u = await startTestApp({ db: t.db, env: env() });
      logs.push(u.logs);
      fast(u);
      for (let i = 0; i < 3; i++) await Promise.all([t.app.get(WebhookDispatcherService).drain(), u.app.get(WebhookDispatcherService).drain()]);
      expect(receiver.started).toBe(requests);
      // The restarted instance says so too.
      expect(loud()).toHaveLength(3);
      expect(loud()[2]).toMatchObject({ level: 'error', msg: expect.stringMatching(/^WEBHOOK DELIVERY IS DISABLED/) });
      const status = (await api('/admin/api/webhooks').expect(200)).body;
      expect(status).toMatchObject({ enabled: false, disabledAt: expect.any(String), disabledReason: expect.stringContaining('HTTP 410 Gone'), pending: 3 });

      // Aging goes on while disabled: H's event passes WEBHOOK_MAX_AGE and becomes a dead letter unsent.
      const h1 = await eventIdOf(h, 1);
      await age(h1);
      await t.app.get(WebhookDispatcherService).drain();
      expect(await rowOf(h1)).toMatchObject({ dead: true, attempts: 0 });

      gone = false;
      const enabled = (await request(t.url).post('/admin/api/webhooks/enable').set('Authorization', `Bearer ${key}`).expect(200)).body;
      expect(enabled).toMatchObject({ enabled: true, disabledAt: null, disabledReason: null });
      await until(() => accepted(g).length === 2, "G's events after re-enabling");
      expect(accepted(g).map((d) => [d.body.type, d.body.sequence])).toEqual([
        ['connection.created', 1],
        ['connection.reauth_required', 2],
      ]);
      expect(accepted(h)).toHaveLength(0);
      expect(logs.flat().some((l) => /"level":"warn".*re-enabled by an admin/.test(l))).toBe(true);
    } finally {
      await u.close();
    }
  });

  it('deletes dead letters 30 days after they died, keeps younger ones, and forgets the state of URLs no longer configured', async () => {
    const [older, younger] = (
      (await t.dataSource.query(
        `INSERT INTO webhook_outbox (event_type, payload, connection_id, seq, dead_at)
       VALUES ('connection.created', '{}', gen_random_uuid(), 1, now() - interval '31 days'), ('connection.created', '{}', gen_random_uuid(), 1, now() - interval '29 days')
       RETURNING event_id`,
      )) as { event_id: string }[]
    ).map((r) => r.event_id);
    await t.dataSource.query(
      `INSERT INTO webhook_endpoint_state (url_hash, disabled_at, reason) VALUES ($1, now() - interval '31 days', 'HTTP 410 Gone'), ($2, now() - interval '1 day', 'HTTP 410 Gone')`,
      ['a'.repeat(64), 'b'.repeat(64)],
    );
    expect(await t.app.get(WebhookDispatcherService).deleteExpired()).toBe(1);
    expect(await t.dataSource.query('SELECT event_id FROM webhook_outbox WHERE event_id = ANY($1::uuid[])', [[older, younger]])).toEqual([
      { event_id: younger },
    ]);
    expect(await t.dataSource.query('SELECT url_hash FROM webhook_endpoint_state ORDER BY url_hash')).toEqual([{ url_hash: 'b'.repeat(64) }]);
  });
});
