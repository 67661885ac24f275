import { Logger } from '@nestjs/common';
import request from 'supertest';
import { Connection } from '../../src/connections/connection.entity.js';
import { ConnectionCountsService } from '../../src/connections/connection-counts.service.js';
import { KeyRing } from '../../src/crypto/key-ring.js';
import { KeyRotationService } from '../../src/crypto/key-rotation.service.js';
import { KeyUsageService } from '../../src/crypto/key-usage.service.js';
import { Secret } from '../../src/crypto/secret.js';
import { BackgroundJobsService } from '../../src/jobs/background-jobs.service.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// The admin summary's counts and the /metrics gauges are counted in the background by one instance
// at a time (at most every 30 s) and stored; requests read the stored figures. Here: they are right,
// they stay as counted until the next count, every instance serves the same ones, and the key
// rotation command stores its own counts.

const HOUR = 3_600_000;

type Summary = {
  platforms: { platform: string; total: number; active: number; expiring: number; failing: number; needsReauth: number }[];
  totals: { total: number; active: number; expiring: number; failing: number; needsReauth: number };
  valuesByKeyId: Record<string, number>;
  countedAt: string;
  keysCountedAt: string;
};

describe('background counts of the admin summary and /metrics', () => {
  let db: TestDb;
  let a: TestApp;
  let b: TestApp;
  let adminA: string;
  let adminB: string;
  let n = 0;

  /** A connection of `platform`; `expiring`: its refresh token ends in two days (src/connections/expiring.ts). */
  const insert = async (t: TestApp, platform: string, fields: { expiring?: boolean; status?: 'active' | 'needs_reauth'; failures?: number } = {}) => {
    n++;
    await t.dataSource.getRepository(Connection).insert({
      userId: `user-${n}`,
      platform,
      status: fields.status ?? 'active',
      consecutiveFailures: fields.failures ?? 0,
      accessToken: Secret.fromPlaintext(`at-${n}`),
      refreshToken: Secret.fromPlaintext(`rt-${n}`),
      accessTokenExpiresAt: new Date(Date.now() + (fields.expiring ? HOUR : 5 * 24 * HOUR)),
      refreshTokenExpiresAt: fields.expiring ? new Date(Date.now() + 48 * HOUR) : null,
      accessTokenIssuedAt: new Date(Date.now() - 23 * HOUR),
      lastRefreshedAt: new Date(Date.now() - 23 * HOUR),
      scopes: [],
    });
  };
  const summary = async (t: TestApp, auth: string): Promise<Summary> =>
    (await request(t.url).get('/admin/api/summary').set('Authorization', auth).expect(200)).body;
  const metrics = async (t: TestApp, auth: string): Promise<string> => (await request(t.url).get('/metrics').set('Authorization', auth).expect(200)).text;
  const byPlatform = (s: Summary) => Object.fromEntries(s.platforms.map(({ platform, ...counts }) => [platform, counts]));

  beforeAll(async () => {
    db = await createTestDb();
    const entry = { authorizationUrl: 'http://127.0.0.1:9/a', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', clientSecret: 's' };
    const env = { PROVIDERS_FILE: writeProvidersFile({ alpha: entry, beta: entry, gamma: entry }), REFRESH_CRON: 'off' };
    a = await startTestApp({ db, env });
    b = await startTestApp({ db, env });
    adminA = `Bearer ${await a.adminKey()}`;
    adminB = `Bearer ${await b.adminKey()}`;
    await insert(a, 'alpha', { expiring: true });
    await insert(a, 'alpha');
    await insert(a, 'alpha', { failures: 2 });
    await insert(a, 'alpha', { status: 'needs_reauth' });
    await insert(a, 'beta', { expiring: true });
    // A platform no longer configured, whose connections remain.
    await insert(a, 'retired');
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.drop();
  });

  it('counts by platform and status: every enabled platform, and any other that has connections', async () => {
    await a.app.get(ConnectionCountsService).refresh({ force: true });
    await a.app.get(KeyUsageService).refresh({ force: true });
    const s = await summary(a, adminA);
    expect(byPlatform(s)).toEqual({
      alpha: { total: 4, active: 3, expiring: 1, failing: 1, needsReauth: 1 },
      beta: { total: 1, active: 1, expiring: 1, failing: 0, needsReauth: 0 },
      gamma: { total: 0, active: 0, expiring: 0, failing: 0, needsReauth: 0 },
      retired: { total: 1, active: 1, expiring: 0, failing: 0, needsReauth: 0 },
    });
    expect(s.totals).toMatchObject({ total: 6, active: 5, expiring: 2, failing: 1, needsReauth: 1 });
    expect(s.valuesByKeyId).toEqual({ k1: 12 });

    const text = await metrics(a, adminA);
    expect(text).toContain('oc_connections{platform="alpha",status="active"} 3');
    expect(text).toContain('oc_connections{platform="alpha",status="needs_reauth"} 1');
    expect(text).toContain('oc_connections{platform="beta",status="active"} 1');
    expect(text).toMatch(/^oc_refresh_backlog 2$/m);
    expect(text).toContain(`oc_connection_counts_timestamp_seconds ${new Date(s.countedAt).getTime() / 1000}`);
  });

  it('serves the stored figures until the next count (at most every 30 s), then the new ones', async () => {
    const counts = a.app.get(ConnectionCountsService);
    await counts.refresh({ force: true });
    const before = await summary(a, adminA);
    await insert(a, 'beta', { expiring: true });
    await insert(a, 'gamma', { status: 'needs_reauth' });
    await a.dataSource.query(`INSERT INTO webhook_outbox (event_type, payload, connection_id, seq, head) VALUES ('test', '{}', gen_random_uuid(), 1, true)`);

    // Counted moments ago: not again yet, on either instance.
    expect(await counts.refresh()).toEqual({ ran: false });
    expect(await b.app.get(ConnectionCountsService).refresh()).toEqual({ ran: false });
    const stale = await summary(a, adminA);
    expect([stale.totals, stale.countedAt]).toEqual([before.totals, before.countedAt]);
    expect(await metrics(a, adminA)).toMatch(/^oc_refresh_backlog 2$/m);
    expect(await metrics(a, adminA)).toMatch(/^oc_webhook_outbox_pending 0$/m);

    const run = await counts.refresh({ force: true });
    expect(run.ran).toBe(true);
    await a.app.get(MetricsService).refreshGauges();
    const fresh = await summary(a, adminA);
    expect(fresh.totals).toMatchObject({ total: 8, active: 6, expiring: 3, needsReauth: 2 });
    expect(byPlatform(fresh).gamma).toEqual({ total: 1, active: 0, expiring: 0, failing: 0, needsReauth: 1 });
    expect(new Date(fresh.countedAt).getTime()).toBeGreaterThan(new Date(before.countedAt).getTime());
    const text = await metrics(a, adminA);
    expect(text).toMatch(/^oc_refresh_backlog 3$/m);
    expect(text).toContain('oc_connections{platform="gamma",status="needs_reauth"} 1');
    expect(text).toMatch(/^oc_webhook_outbox_pending 1$/m);
  });

  it('every instance serves the same figures, and only one counts at a time', async () => {
    const [fromA, fromB] = [await summary(a, adminA), await summary(b, adminB)];
    expect(fromB.totals).toEqual(fromA.totals);
    expect(fromB.countedAt).toBe(fromA.countedAt);
    expect((await metrics(b, adminB)).match(/^oc_refresh_backlog \d+$/m)?.[0]).toBe((await metrics(a, adminA)).match(/^oc_refresh_backlog \d+$/m)?.[0]);

    // While A counts, B's count (even forced) does not start.
    let finish!: () => void;
    const counting = a.app
      .get(BackgroundJobsService)
      .runExclusive('connection-counts', { everyMs: 0, leaseMs: 60_000 }, () => new Promise<never[]>((resolve) => (finish = () => resolve([]))));
    await new Promise((r) => setTimeout(r, 50));
    expect(await b.app.get(ConnectionCountsService).refresh({ force: true })).toEqual({ ran: false });
    finish();
    expect((await counting).ran).toBe(true);
    expect((await b.app.get(ConnectionCountsService).refresh({ force: true })).ran).toBe(true);
  });

  it('counts values per key id in the background, and keys:rotate stores its own count at once', async () => {
    const keys = a.app.get(KeyUsageService);
    await keys.refresh({ force: true });
    const before = await summary(a, adminA);
    expect(before.valuesByKeyId).toEqual({ k1: 2 * n });
    await insert(a, 'alpha');
    expect((await summary(a, adminA)).valuesByKeyId).toEqual({ k1: 2 * (n - 1) });
    expect(await keys.refresh()).toEqual({ ran: false }); // at most every 10 minutes

    // The rotation (nothing to re-encrypt here: the ring's current key is k1) stores what it counted.
    const result = await new KeyRotationService(a.dataSource, a.app.get(KeyRing)).rotate();
    expect(result.remaining).toEqual({ k1: 2 * n });
    const after = await summary(b, adminB);
    expect(after.valuesByKeyId).toEqual({ k1: 2 * n });
    expect(new Date(after.keysCountedAt).getTime()).toBeGreaterThan(new Date(before.keysCountedAt).getTime());
  });

  it('a snapshot refreshes itself in the background once due, and computes at once where none was stored', async () => {
    let computed = 0;
    const snapshot = a.app.get(BackgroundJobsService).snapshot('test-snapshot', { everyMs: 0, tickMs: 20, leaseMs: 10_000 }, async () => ++computed);
    expect((await snapshot.read()).value).toBe(1);
    const stop = snapshot.start(new Logger('test'));
    try {
      while ((await snapshot.read()).value < 3) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await stop();
    }
    const stopped = (await snapshot.read()).value;
    await new Promise((r) => setTimeout(r, 100));
    expect((await snapshot.read()).value).toBe(stopped);
  });
});
