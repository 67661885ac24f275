import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '@ttoss/auth-core';
import { backoffMs } from '../../src/common/backoff.js';
import { WEBHOOK_BACKOFF_JITTER, WebhookDispatcherService } from '../../src/webhooks/webhook-dispatcher.service.js';
import { WebhookOutboxRepository } from '../../src/webhooks/webhook-outbox.repository.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const SECRET = 'webhook-secret-for-tests-0123456789abcdef';

type Delivery = { raw: string; headers: IncomingHttpHeaders; path: string; body: { id: string; type: string; createdAt: string; data: Record<string, unknown> } };

type Receiver = { url: string; accepted: Delivery[]; rejected: Delivery[]; down: boolean; delayMs: number; started: number; close: () => Promise<void> };

/** A webhook receiver that records what it gets, can be switched down (503) and up (204), and can answer slowly. */
async function startReceiver(): Promise<Receiver> {
  const state = { accepted: [] as Delivery[], rejected: [] as Delivery[], down: false, delayMs: 0, started: 0 };
  const server: Server = createServer((req, res) => {
    state.started++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const delivery: Delivery = { raw, headers: req.headers, path: req.url ?? '', body: JSON.parse(raw) };
      if (state.down) {
        state.rejected.push(delivery);
        res.writeHead(503).end('down');
      } else {
        setTimeout(() => {
          state.accepted.push(delivery);
          res.writeHead(204).end();
        }, state.delayMs);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

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

  const enqueue = (userId: string, connectionId = randomUUID()) =>
    t.dataSource.transaction((m) => outbox.enqueue(m, 'connection.created', { connectionId, userId, platform: 'tiktok', status: 'active' })).then(() => connectionId);
  const rowsOf = (userId: string): Promise<{ event_id: string; attempts: number; delivered: boolean; lease_owner: string | null; created_at: Date }[]> =>
    t.dataSource.query(`SELECT event_id, attempts, delivered_at IS NOT NULL AS delivered, lease_owner, created_at FROM webhook_outbox WHERE payload->>'userId' = $1 ORDER BY id`, [userId]);
  const acceptedFor = (userId: string) => receiver.accepted.filter((d) => d.body.data.userId === userId);

  it('keeps the production defaults: 500 ms polling, 5 s timeout, backoff 1 s doubling up to 5 minutes', () => {
    expect(dispatcher.pollIntervalMs).toBe(500);
    expect(dispatcher.timeoutMs).toBe(5_000);
    expect([dispatcher.backoffBaseMs, dispatcher.backoffMaxMs]).toEqual([1_000, 300_000]);
    const max = () => 0.999999;
    const min = () => 0;
    expect([0, 1, 2, 3].map((n) => backoffMs(n, { baseMs: 1_000, maxMs: 300_000, jitter: WEBHOOK_BACKOFF_JITTER, random: max }))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(backoffMs(8, { baseMs: 1_000, maxMs: 300_000, jitter: WEBHOOK_BACKOFF_JITTER, random: max })).toBe(256_000);
    expect(backoffMs(9, { baseMs: 1_000, maxMs: 300_000, jitter: WEBHOOK_BACKOFF_JITTER, random: max })).toBe(300_000);
    expect(backoffMs(500, { baseMs: 1_000, maxMs: 300_000, jitter: WEBHOOK_BACKOFF_JITTER, random: max })).toBe(300_000);
    expect(backoffMs(0, { baseMs: 1_000, maxMs: 300_000, jitter: WEBHOOK_BACKOFF_JITTER, random: min })).toBe(800); // jitter takes off at most 20%

    // The rest of this file runs fast: short backoff and polling.
    dispatcher.backoffBaseMs = 20;
    dispatcher.pollIntervalMs = 25;
  });

  it('POSTs the event as signed JSON with its id and type in headers', async () => {
    const connectionId = await enqueue('signed-user');
    await dispatcher.drain();
    await until(() => acceptedFor('signed-user').length > 0, 'the delivery');

    const [d] = acceptedFor('signed-user');
    const [row] = await rowsOf('signed-user');
    expect(d.path).toBe('/hooks');
    expect(d.headers['content-type']).toBe('application/json');
    expect(d.headers['user-agent']).toMatch(/^oauth-connections/);
    expect(d.headers['x-webhook-id']).toBe(row.event_id);
    expect(d.headers['x-webhook-type']).toBe('connection.created');
    expect(verifyWebhookSignature({ payload: d.raw, secret: SECRET, signature: String(d.headers['x-signature']) })).toBe(true);
    expect(d.headers['x-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ payload: d.raw.replace('signed-user', 'signed-usex'), secret: SECRET, signature: String(d.headers['x-signature']) })).toBe(false);
    expect(verifyWebhookSignature({ payload: d.raw, secret: `${SECRET}-other`, signature: String(d.headers['x-signature']) })).toBe(false);

    expect(Object.keys(d.body)).toEqual(['id', 'type', 'createdAt', 'data']);
    expect(d.body).toEqual({
      id: row.event_id,
      type: 'connection.created',
      createdAt: new Date(row.created_at).toISOString(),
      data: { connectionId, userId: 'signed-user', platform: 'tiktok', status: 'active' },
    });
    expect(row.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row).toMatchObject({ attempts: 1, delivered: true, lease_owner: null });
    expect(acceptedFor('signed-user')).toHaveLength(1);
  });

  it('never delivers the event of a rolled-back transaction', async () => {
    await expect(
      t.dataSource.transaction(async (m) => {
        await outbox.enqueue(m, 'connection.created', { connectionId: randomUUID(), userId: 'rolled-back', platform: 'tiktok' });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    await enqueue('committed-after-rollback');

    await dispatcher.drain();
    await until(() => acceptedFor('committed-after-rollback').length > 0, 'the committed event');
    await dispatcher.drain();
    expect(await rowsOf('rolled-back')).toHaveLength(0);
    expect(acceptedFor('rolled-back')).toHaveLength(0);
    expect(receiver.rejected.filter((d) => d.body.data.userId === 'rolled-back')).toHaveLength(0);
  });

  it('retries while the receiver is down, then delivers every event once, in order', async () => {
    receiver.down = true;
    const expected: string[] = [];
    // Separate transactions while the dispatcher is already failing, so events join at different times.
    for (let i = 0; i < 5; i++) {
      expected.push(await enqueue('outage'));
      await new Promise((r) => setTimeout(r, 15));
    }
    await until(async () => (await rowsOf('outage'))[0].attempts >= 3, 'three failed attempts');
    const rejected = () => receiver.rejected.filter((d) => d.body.data.userId === 'outage');
    expect(acceptedFor('outage')).toHaveLength(0);
    // While the receiver is unavailable only the oldest event is tried; the others wait behind it.
    expect(rejected().length).toBeGreaterThanOrEqual(3);
    expect(new Set(rejected().map((d) => d.body.data.connectionId))).toEqual(new Set([expected[0]]));
    expect(await dispatcher.pending()).toBe(5);

    // Failures are logged at warn, with the event id and reason but never the payload.
    const warnings = t.logs.map((l) => JSON.parse(l) as { level: string; context?: string; msg: string }).filter((l) => l.context === 'Webhooks');
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    expect(warnings.every((l) => l.level === 'warn' && l.msg.includes('HTTP 503') && l.msg.includes(rejected()[0].body.id))).toBe(true);
    expect(t.logs.join('\n')).not.toContain('outage');

    // A newer event while the older ones wait for their retry: it must not overtake them.
    expected.push(await enqueue('outage'));
    await new Promise((r) => setTimeout(r, 70));
    receiver.down = false;
    await until(async () => (await dispatcher.pending()) === 0, 'the backlog to be delivered');
    await dispatcher.drain();

    const got = acceptedFor('outage');
    expect(got.map((d) => d.body.data.connectionId)).toEqual(expected);
    expect(new Set(got.map((d) => d.body.id)).size).toBe(6);
    for (const d of got) expect(verifyWebhookSignature({ payload: d.raw, secret: SECRET, signature: String(d.headers['x-signature']) })).toBe(true);
    const rows = await rowsOf('outage');
    expect(rows.map((r) => r.event_id)).toEqual(got.map((d) => d.body.id));
    for (const r of rows) expect(r).toMatchObject({ delivered: true, lease_owner: null });
    // The newer event waited behind the older ones rather than being tried on its own.
    expect(new Set(rejected().map((d) => d.body.data.connectionId))).toEqual(new Set([expected[0]]));
    expect(rows[0].attempts).toBe(rejected().length + 1);
    expect(rows[0].attempts).toBeGreaterThan(3);
    expect(rows.slice(1).map((r) => r.attempts)).toEqual([1, 1, 1, 1, 1]);
    expect(await dispatcher.pending()).toBe(0);
  });

  it('waits for the delivery in flight when the app shuts down', async () => {
    await dispatcher.stop(); // this instance stays out of the way
    const other = await startTestApp({ db: t.db, env: { WEBHOOK_URL: `${receiver.url}/hooks`, WEBHOOK_SECRET: SECRET } });
    let closed = false;
    try {
      receiver.delayMs = 300;
      const started = receiver.started;
      await other.dataSource.transaction((m) => other.app.get(WebhookOutboxRepository).enqueue(m, 'connection.deleted', { connectionId: randomUUID(), userId: 'shutdown', platform: 'x' }));
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
      await plain.dataSource.transaction((m) => plain.app.get(WebhookOutboxRepository).enqueue(m, 'connection.created', { connectionId: randomUUID(), userId: 'no-webhooks', platform: 'tiktok' }));
      expect(await count()).toBe(before);
      await plain.app.get(WebhookDispatcherService).drain(); // disabled: a no-op
      expect(await rowsOf('no-webhooks')).toHaveLength(0);
    } finally {
      await plain.close();
    }
  });
});
