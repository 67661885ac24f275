import { randomUUID } from 'node:crypto';
import { verifyWebhookSignature } from '@ttoss/auth-core';
import { backoffMs } from '../../src/common/backoff.js';
import type { WebhookEventType } from '../../src/webhooks/webhook-events.js';
import { WEBHOOK_BACKOFF_JITTER, WebhookDispatcherService } from '../../src/webhooks/webhook-dispatcher.service.js';
import { WEBHOOK_SQL, WebhookOutboxRepository } from '../../src/webhooks/webhook-outbox.repository.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { type Delivery, type Receiver, startReceiver, until, verifyStandardWebhook } from '../helpers/webhook-receiver.js';

const SECRET = 'webhook-secret-for-tests-0123456789abcdef';

describe('webhook delivery from the outbox', () => {
  let receiver: Receiver;
  let t: TestApp;
  let outbox: WebhookOutboxRepository;
  let dispatcher: WebhookDispatcherService;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ env: { WEBHOOK_URL: `${receiver.url}/hooks`, WEBHOOK_SECRET: SECRET } });
    outbox = t.app.get(WebhookOutboxRepository);
    dispatcher = t.app.get(WebhookDispatcherService);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  afterEach(() => {
    receiver.down = false;
    receiver.answer = undefined;
  });

  const enqueue = (userId: string, connectionId: string = randomUUID(), type: WebhookEventType = 'connection.created') =>
    t.dataSource.transaction((m) => outbox.enqueue(m, type, { connectionId, userId, platform: 'tiktok', status: 'active' })).then(() => connectionId);
  const rowsOf = (
    userId: string,
  ): Promise<{ event_id: string; attempts: number; delivered: boolean; lease_owner: string | null; created_at: Date; seq: string }[]> =>
    t.dataSource.query(
      `SELECT event_id, attempts, delivered_at IS NOT NULL AS delivered, lease_owner, created_at, seq FROM webhook_outbox WHERE payload->>'userId' = $1 ORDER BY id`,
      [userId],
    );
  const acceptedFor = (userId: string) => receiver.accepted.filter((d) => d.body.data.userId === userId);
  const requestsFor = (userId: string) => receiver.all.filter((d) => d.body.data.userId === userId);

  it('keeps the production defaults: 500 ms polling, 5 s timeout, backoff 1 s doubling up to 5 minutes, WEBHOOK_MAX_AGE 3 days', () => {
    expect(dispatcher.pollIntervalMs).toBe(500);
    expect(dispatcher.timeoutMs).toBe(5_000);
    expect([dispatcher.backoffBaseMs, dispatcher.backoffMaxMs]).toEqual([1_000, 300_000]);
    expect(t.config.webhook.maxAgeMs).toBe(3 * 24 * 3_600_000);
    const max = () => 0.999999;
    const min = () => 0;
    expect([0, 1, 2, 3].map((n) => backoffMs(n, { baseMs: 1_000, maxMs: 300_000, jitter: WEBHOOK_BACKOFF_JITTER, random: max }))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
    expect(backoffMs(8, { baseMs: 1_000, maxMs: 300_000, jitter: WEBHOOK_BACKOFF_JITTER, random: max })).toBe(256_000);
    expect(backoffMs(9, { baseMs: 1_000, maxMs: 300_000, jitter: WEBHOOK_BACKOFF_JITTER, random: max })).toBe(300_000);
    expect(backoffMs(500, { baseMs: 1_000, maxMs: 300_000, jitter: WEBHOOK_BACKOFF_JITTER, random: max })).toBe(300_000);
    expect(backoffMs(0, { baseMs: 1_000, maxMs: 300_000, jitter: WEBHOOK_BACKOFF_JITTER, random: min })).toBe(800); // jitter takes off at most 20%

    // The rest of this file runs fast: short backoff and polling.
    dispatcher.backoffBaseMs = 20;
    dispatcher.pollIntervalMs = 25;
  });

  it('POSTs the event as signed JSON with its id, type and per-connection sequence number', async () => {
    const connectionId = await enqueue('signed-user');
    await dispatcher.drain();
    await until(() => acceptedFor('signed-user').length > 0, 'the delivery');

    const [d] = acceptedFor('signed-user') as [Delivery];
    const [row] = await rowsOf('signed-user');
    expect(d.path).toBe('/hooks');
    expect(d.headers['content-type']).toBe('application/json');
    expect(d.headers['user-agent']).toMatch(/^oauth-connections/);
    expect(d.headers['webhook-id']).toBe(row!.event_id);
    expect(d.headers['x-webhook-id']).toBe(row!.event_id);
    expect(d.headers['x-webhook-type']).toBe('connection.created');
    expect(verifyStandardWebhook(SECRET, d.headers, d.raw)).toBe(true);
    // The legacy header, unchanged for existing receivers (this release only).
    expect(d.headers['x-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ payload: d.raw, secret: SECRET, signature: String(d.headers['x-signature']) })).toBe(true);
    expect(verifyWebhookSignature({ payload: d.raw.replace('signed-user', 'signed-usex'), secret: SECRET, signature: String(d.headers['x-signature']) })).toBe(
      false,
    );

    expect(Object.keys(d.body)).toEqual(['id', 'type', 'createdAt', 'sequence', 'data']);
    expect(d.body).toEqual({
      id: row!.event_id,
      type: 'connection.created',
      createdAt: new Date(row!.created_at).toISOString(),
      sequence: 1,
      data: { connectionId, userId: 'signed-user', platform: 'tiktok', status: 'active' },
    });
    expect(row!.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row).toMatchObject({ attempts: 1, delivered: true, lease_owner: null });
    expect(acceptedFor('signed-user')).toHaveLength(1);

    // The connection's next event carries the next number.
    await enqueue('signed-user', connectionId, 'connection.deleted');
    await dispatcher.drain();
    await until(() => acceptedFor('signed-user').length === 2, 'the second delivery');
    expect(acceptedFor('signed-user').map((x) => [x.body.type, x.body.sequence])).toEqual([
      ['connection.created', 1],
      ['connection.deleted', 2],
    ]);
  });

  it('never delivers the event of a rolled-back transaction, nor spends its sequence number', async () => {
    const connectionId = randomUUID();
    await expect(
      t.dataSource.transaction(async (m) => {
        await outbox.enqueue(m, 'connection.created', { connectionId, userId: 'rolled-back', platform: 'tiktok' });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    await enqueue('committed-after-rollback', connectionId);

    await dispatcher.drain();
    await until(() => acceptedFor('committed-after-rollback').length > 0, 'the committed event');
    await dispatcher.drain();
    expect(await rowsOf('rolled-back')).toHaveLength(0);
    expect(requestsFor('rolled-back')).toHaveLength(0);
    expect(acceptedFor('committed-after-rollback')[0]!.body.sequence).toBe(1);
  });

  it('retries while the receiver is down, then delivers every event of a connection once, in order', async () => {
    receiver.down = true;
    const connectionId = randomUUID();
    const types: WebhookEventType[] = [
      'connection.created',
      'connection.refresh_failed',
      'connection.recovered',
      'connection.refresh_failed',
      'connection.reauth_required',
    ];
    // Separate transactions while the dispatcher is already failing, so events join at different times.
    for (const type of types) {
      await enqueue('outage', connectionId, type);
      await new Promise((r) => setTimeout(r, 15));
    }
    await until(async () => (await rowsOf('outage'))[0]!.attempts >= 3, 'three failed attempts');
    const rejected = () => receiver.rejected.filter((d) => d.body.data.userId === 'outage');
    expect(acceptedFor('outage')).toHaveLength(0);
    // Only the connection's first event is tried; the others wait behind it.
    expect(rejected().length).toBeGreaterThanOrEqual(3);
    expect(new Set(rejected().map((d) => d.body.sequence))).toEqual(new Set([1]));
    expect(await dispatcher.pending()).toBe(5);

    // Failures are logged at warn, with the event id and reason but never the payload.
    const warnings = t.logs.map((l) => JSON.parse(l) as { level: string; context?: string; msg: string }).filter((l) => l.context === 'Webhooks');
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    expect(warnings.every((l) => l.level === 'warn' && l.msg.includes('HTTP 503') && l.msg.includes(rejected()[0]!.body.id))).toBe(true);
    expect(t.logs.join('\n')).not.toContain('outage');

    // A newer event while the older ones wait for their retry: it must not overtake them.
    types.push('connection.deleted');
    await enqueue('outage', connectionId, 'connection.deleted');
    await new Promise((r) => setTimeout(r, 70));
    receiver.down = false;
    await until(async () => (await dispatcher.pending()) === 0, 'the backlog to be delivered');
    await dispatcher.drain();

    const got = acceptedFor('outage');
    expect(got.map((d) => d.body.type)).toEqual(types);
    expect(got.map((d) => d.body.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(got.map((d) => d.body.id)).size).toBe(6);
    for (const d of got) expect(verifyStandardWebhook(SECRET, d.headers, d.raw)).toBe(true);
    const rows = await rowsOf('outage');
    expect(rows.map((r) => r.event_id)).toEqual(got.map((d) => d.body.id));
    for (const r of rows) expect(r).toMatchObject({ delivered: true, lease_owner: null });
    // The later events waited behind the first rather than being tried on their own.
    expect(new Set(rejected().map((d) => d.body.sequence))).toEqual(new Set([1]));
    expect(rows[0]!.attempts).toBe(rejected().length + 1);
    expect(rows.slice(1).map((r) => r.attempts)).toEqual([1, 1, 1, 1, 1]);
    // The line of a deleted connection ends with its last event: no counter is kept for it.
    expect(await t.dataSource.query('SELECT * FROM webhook_sequences WHERE connection_id = $1', [connectionId])).toEqual([]);
  });

  it("holds a connection's later events behind its failing first event, without holding up other connections", async () => {
    const a = randomUUID();
    const b = randomUUID();
    let failuresOfA1 = 0;
    const bDelivered = () => acceptedFor('order-b').length === 2;
    // The receiver refuses A's first event (500) at least three times, and until B's events are in.
    receiver.answer = (d) => {
      if (d.body.data.connectionId !== a || d.body.sequence !== 1) return undefined;
      if (failuresOfA1 >= 3 && bDelivered()) return undefined;
      failuresOfA1++;
      return 500;
    };
    await enqueue('order-a', a, 'connection.created');
    await enqueue('order-b', b, 'connection.created');
    await enqueue('order-a', a, 'connection.reauth_required');
    await enqueue('order-b', b, 'connection.reauth_required');
    await enqueue('order-a', a, 'connection.deleted');

    await until(() => acceptedFor('order-a').length === 3, "A's events", 10_000);
    expect(failuresOfA1).toBeGreaterThanOrEqual(3);
    const a1Accepted = receiver.all.findIndex((d) => d.body.data.connectionId === a && d.status === 204);
    const lastBAccepted = Math.max(...receiver.all.map((d, i) => (d.body.data.connectionId === b ? i : -1)));
    // B went through while A's first event was failing.
    expect(lastBAccepted).toBeLessThan(a1Accepted);
    expect(receiver.all.filter((d) => d.body.data.connectionId === b).map((d) => [d.body.sequence, d.status])).toEqual([
      [1, 204],
      [2, 204],
    ]);
    // A's later events were not even tried before its first was delivered, then came in order.
    expect(requestsFor('order-a').map((d) => [d.body.sequence, d.body.type, d.status])).toEqual([
      ...Array.from({ length: failuresOfA1 }, () => [1, 'connection.created', 500]),
      [1, 'connection.created', 204],
      [2, 'connection.reauth_required', 204],
      [3, 'connection.deleted', 204],
    ]);
  });

  it('keeps every connection in order with two instances delivering at once and a flaky receiver', async () => {
    const other = await startTestApp({ db: t.db, env: { WEBHOOK_URL: `${receiver.url}/hooks`, WEBHOOK_SECRET: SECRET } });
    try {
      const otherDispatcher = other.app.get(WebhookDispatcherService);
      otherDispatcher.backoffBaseMs = 20;
      otherDispatcher.pollIntervalMs = 25;
      let n = 0;
      receiver.answer = (d) => (d.body.data.userId === 'two-instances' && n++ % 3 === 1 ? 500 : undefined);
      const connections = Array.from({ length: 8 }, () => randomUUID());
      for (let round = 0; round < 5; round++) {
        await Promise.all(connections.map((c) => enqueue('two-instances', c, round === 4 ? 'connection.deleted' : 'connection.refresh_failed')));
      }
      await until(() => acceptedFor('two-instances').length === 40, 'every event', 20_000);

      for (const c of connections) {
        const requests = receiver.all.filter((d) => d.body.data.connectionId === c);
        // Each request is for the event right after the last one accepted: nothing overtakes.
        let delivered = 0;
        for (const d of requests) {
          expect(d.body.sequence).toBe(delivered + 1);
          if (d.status === 204) delivered++;
        }
        expect(delivered).toBe(5);
      }
      const ids = acceptedFor('two-instances').map((d) => d.body.id);
      expect(new Set(ids).size).toBe(40);
    } finally {
      await other.close();
    }
  });

  it('numbers concurrent events of one connection 1..n in commit order, with exactly one head', async () => {
    await dispatcher.stop(); // the line must stay as written
    const connectionId = randomUUID();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.dataSource.transaction(async (m) => {
          await outbox.enqueue(m, 'connection.refresh_failed', { connectionId, userId: 'concurrent', platform: 'tiktok', consecutiveFailures: i });
          await new Promise((r) => setTimeout(r, 2)); // hold the counter lock a moment, as a real change would
        }),
      ),
    );
    const rows = (await t.dataSource.query('SELECT seq::int AS seq, head, id FROM webhook_outbox WHERE connection_id = $1 ORDER BY seq', [connectionId])) as {
      seq: number;
      head: boolean;
      id: string;
    }[];
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Numbered in commit order: ids (taken after the counter lock) grow with the sequence.
    expect(rows.map((r) => Number(r.id))).toEqual([...rows.map((r) => Number(r.id))].sort((x, y) => x - y));
    expect(rows.filter((r) => r.head).map((r) => r.seq)).toEqual([1]);
    await t.dataSource.query('DELETE FROM webhook_outbox WHERE connection_id = $1', [connectionId]);
  });

  it('claims, promotes and enqueues through indexes, whatever the outbox holds (EXPLAIN on a filled table)', async () => {
    await dispatcher.stop(); // the filler rows must stay as they are
    const filler = randomUUID();
    // 20,000 delivered events, one connection with a 2,000-event line, 300 other connections waiting.
    await t.dataSource.query(
      `INSERT INTO webhook_outbox (event_type, payload, connection_id, seq, delivered_at)
       SELECT 'connection.created', '{}', gen_random_uuid(), 1, now() FROM generate_series(1, 20000)`,
    );
    await t.dataSource.query(
      `INSERT INTO webhook_outbox (event_type, payload, connection_id, seq, head, next_attempt_at)
       SELECT 'connection.created', '{}', $1, g, g = 1, now() + interval '1 hour' FROM generate_series(1, 2000) g`,
      [filler],
    );
    await t.dataSource.query(
      `INSERT INTO webhook_outbox (event_type, payload, connection_id, seq, head, next_attempt_at)
       SELECT 'connection.created', '{}', gen_random_uuid(), 1, true, now() + interval '1 hour' FROM generate_series(1, 300)`,
    );
    await t.dataSource.query('ANALYZE webhook_outbox');
    const runner = t.dataSource.createQueryRunner();
    try {
      const plan = async (sql: string, params: unknown[]) => {
        const literal = sql.replace(/\$(\d+)/g, (_, i: string) => `'${String(params[Number(i) - 1])}'`);
        return ((await runner.query(`EXPLAIN ${literal}`)) as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
      };
      const claim = await plan(WEBHOOK_SQL.claimDue, ['owner', 20, '30000', 'f'.repeat(64)]);
      expect(claim).toMatch(/Index Scan using ix_webhook_outbox_due/);
      expect(claim).not.toMatch(/Seq Scan|Sort/);
      expect(await plan(WEBHOOK_SQL.expiredHeads, ['259200000', 100])).toMatch(/ix_webhook_outbox_head_age/);
      const promote = await plan(WEBHOOK_SQL.promote, [filler]);
      expect(promote).toMatch(/ix_webhook_outbox_line/);
      expect(promote).toMatch(/ux_webhook_outbox_head/);
      expect(promote).not.toMatch(/Seq Scan/);
      for (const connection of [filler, randomUUID()]) {
        const insert = await plan(WEBHOOK_SQL.insert, ['connection.created', '{}', connection, 2001]);
        expect(insert).toMatch(/ix_webhook_outbox_line/);
        expect(insert).not.toMatch(/Seq Scan/);
      }
      expect(await plan(WEBHOOK_SQL.lineEmpty, [filler])).toMatch(/ix_webhook_outbox_line/);
      expect(await plan(WEBHOOK_SQL.byEventId, [randomUUID()])).toMatch(/ux_webhook_outbox_event/);
    } finally {
      await runner.release();
      await t.dataSource.query(`DELETE FROM webhook_outbox WHERE payload = '{}'`);
    }
  });

  it('waits for the delivery in flight when the app shuts down', async () => {
    await dispatcher.stop(); // this instance stays out of the way
    const other = await startTestApp({ db: t.db, env: { WEBHOOK_URL: `${receiver.url}/hooks`, WEBHOOK_SECRET: SECRET } });
    let closed = false;
    try {
      receiver.delayMs = 300;
      const started = receiver.started;
      await other.dataSource.transaction((m) =>
        other.app.get(WebhookOutboxRepository).enqueue(m, 'connection.deleted', { connectionId: randomUUID(), userId: 'shutdown', platform: 'x' }),
      );
      const drained = other.app.get(WebhookDispatcherService).drain();
      await until(() => receiver.started > started, 'the request to start');
      await other.close();
      closed = true;
      await drained;
    } finally {
      receiver.delayMs = 0;
      if (!closed) await other.close();
    }
    expect(acceptedFor('shutdown')).toHaveLength(1);
    expect(await rowsOf('shutdown')).toEqual([expect.objectContaining({ delivered: true, attempts: 1, lease_owner: null })]);
  });

  it('records nothing when no WEBHOOK_URL is configured', async () => {
    const plain = await startTestApp({ db: t.db });
    try {
      const count = async () => (await plain.dataSource.query('SELECT count(*)::int AS n FROM webhook_outbox'))[0].n as number;
      const before = await count();
      await plain.dataSource.transaction((m) =>
        plain.app.get(WebhookOutboxRepository).enqueue(m, 'connection.created', { connectionId: randomUUID(), userId: 'no-webhooks', platform: 'tiktok' }),
      );
      expect(await count()).toBe(before);
      await plain.app.get(WebhookDispatcherService).drain(); // disabled: a no-op
      expect(await rowsOf('no-webhooks')).toHaveLength(0);
    } finally {
      await plain.close();
    }
  });
});
