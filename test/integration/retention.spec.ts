import { randomBytes } from 'node:crypto';
import { BackgroundJobsService } from '../../src/jobs/background-jobs.service.js';
import { RetentionService } from '../../src/jobs/retention.service.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const count = async (t: TestApp, sql: string): Promise<number> => Number((await t.dataSource.query(sql))[0].n);

// Retention of the growing tables (AUDIT_RETENTION 90d, REFRESH_LOG_RETENTION 30d,
// REFRESH_FAILURE_RETENTION 90d, WEBHOOK_RETENTION 7d for delivered events, expired states after an
// hour, heartbeats of instances silent for a day) and the lease that runs each background job on one instance at a time.
describe('retention', () => {
  let db: TestDb;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDb();
    a = await startTestApp({ db, env: { REFRESH_CRON: 'off' } });
    b = await startTestApp({ db, env: { REFRESH_CRON: 'off' } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.drop();
  });

  /** Rows just past and just inside each table's age; the `keep` markers must survive. */
  async function seed(): Promise<void> {
    const q = (sql: string, params: unknown[] = []) => a.dataSource.query(sql, params);
    // More than one batch (5000) of expired reads, and reads a day inside the 90 days.
    await q(
      `INSERT INTO token_access_audit (service, user_id, platform, accessed_at) SELECT 'old', 'u' || g, 'p', now() - interval '91 days' - g * interval '1 second' FROM generate_series(1, 5200) g`,
    );
    await q(
      `INSERT INTO token_access_audit (service, user_id, platform, accessed_at) SELECT 'keep', 'u' || g, 'p', now() - interval '89 days' FROM generate_series(1, 3) g`,
    );
    // More than two batches (1000) of expired attempts.
    await q(
      `INSERT INTO refresh_log (platform, occurred_at, trigger, outcome, duration_ms) SELECT 'old', now() - interval '31 days' - g * interval '1 second', 'scheduled', 'success', 1 FROM generate_series(1, 2100) g`,
    );
    await q(
      `INSERT INTO refresh_log (platform, occurred_at, trigger, outcome, duration_ms) SELECT 'keep', now() - interval '29 days', 'scheduled', 'success', 1 FROM generate_series(1, 4) g`,
    );
    await q(
      `INSERT INTO refresh_failures (platform, user_id, occurred_at, trigger, failure_class, message) SELECT 'old', 'u', now() - interval '91 days', 'lazy', 'transient', 'm' FROM generate_series(1, 3) g`,
    );
    await q(
      `INSERT INTO refresh_failures (platform, user_id, occurred_at, trigger, failure_class, message) SELECT 'keep', 'u', now() - interval '89 days', 'lazy', 'transient', 'm' FROM generate_series(1, 2) g`,
    );
    // Delivered 8 days ago: deleted. Delivered 6 days ago, or never delivered (however old): kept.
    await q(
      `INSERT INTO webhook_outbox (event_type, payload, connection_id, seq, created_at, delivered_at) SELECT 'old', '{}', gen_random_uuid(), 1, now() - interval '9 days', now() - interval '8 days' FROM generate_series(1, 3) g`,
    );
    await q(
      `INSERT INTO webhook_outbox (event_type, payload, connection_id, seq, created_at, delivered_at) SELECT 'keep', '{}', gen_random_uuid(), 1, now() - interval '7 days', now() - interval '6 days' FROM generate_series(1, 2) g`,
    );
    await q(
      `INSERT INTO webhook_outbox (event_type, payload, connection_id, seq, head, created_at, next_attempt_at) SELECT 'keep-pending', '{}', gen_random_uuid(), 1, true, now() - interval '30 days', now() + interval '1 hour' FROM generate_series(1, 2) g`,
    );
    // Expired two hours ago: deleted. Expired ten minutes ago (inside the hour of grace), or still valid: kept.
    const state = (platform: string, expiresSql: string) =>
      q(`INSERT INTO oauth_states (state_hash, user_id, platform, redirect_uri, expires_at) VALUES ($1, 'u', $2, 'http://localhost/cb', ${expiresSql})`, [
        randomBytes(32).toString('hex'),
        platform,
      ]);
    for (let i = 0; i < 3; i++) await state('old', `now() - interval '2 hours'`);
    await state('keep', `now() - interval '10 minutes'`);
    await state('keep', `now() + interval '10 minutes'`);
    // Instances silent for more than a day: deleted. Silent for an hour (long dead, still shown): kept, as are the two running ones.
    await q(
      `INSERT INTO instance_heartbeats (instance_id, process, started_at, beat_at) SELECT 'old-' || g, 'host:1', now() - interval '3 days', now() - interval '25 hours' FROM generate_series(1, 2) g`,
    );
    await q(`INSERT INTO instance_heartbeats (instance_id, process, beat_at) VALUES ('keep-1', 'host:2', now() - interval '1 hour')`);
    // Connect sessions: an hour of grace plus CONNECT_STATE_TTL (10 minutes) after they expire.
    const session = (userId: string, expiresSql: string) =>
      q(
        `INSERT INTO connect_sessions (token_hash, user_id, platforms, return_url, created_by, expires_at) VALUES ($1, $2, '{demo}', 'https://app.example.com/', 'svc', ${expiresSql})`,
        [randomBytes(32).toString('hex'), userId],
      );
    for (let i = 0; i < 3; i++) await session('old', `now() - interval '2 hours'`);
    await session('keep', `now() - interval '65 minutes'`);
    await session('keep', `now() + interval '10 minutes'`);
    // Assets removed 31 days ago: deleted (ASSET_RETENTION 30 days). Removed 29 days ago, or active: kept.
    const [c] = await q(`INSERT INTO connections (user_id, platform, access_token) VALUES ('assets-owner', 'p', 'not-a-token') RETURNING id`);
    const asset = (externalId: string, status: string, removedSql: string) =>
      q(`INSERT INTO connection_assets (connection_id, kind, external_id, status, removed_at) VALUES ($1, 'facebook_page', $2, $3, ${removedSql})`, [
        c.id,
        externalId,
        status,
      ]);
    for (let i = 0; i < 3; i++) await asset(`old-${i}`, 'removed', `now() - interval '31 days'`);
    await asset('keep-removed', 'removed', `now() - interval '29 days'`);
    await asset('keep-active', 'active', 'NULL');
  }

  it('deletes only rows past their age, in batches, and keeps undelivered events', async () => {
    await seed();
    const report = await a.app.get(RetentionService).runAll({ force: true });
    expect(report).toEqual({
      token_access_audit: 5200,
      refresh_log: 2100,
      refresh_failures: 3,
      webhook_outbox: 3,
      oauth_states: 3,
      instance_heartbeats: 2,
      connect_sessions: 3,
      connection_assets: 3,
    });
    expect(await count(a, `SELECT count(*) AS n FROM token_access_audit WHERE service <> 'keep'`)).toBe(0);
    expect(await count(a, `SELECT count(*) AS n FROM token_access_audit WHERE service = 'keep'`)).toBe(3);
    expect(await count(a, `SELECT count(*) AS n FROM refresh_log WHERE platform <> 'keep'`)).toBe(0);
    expect(await count(a, `SELECT count(*) AS n FROM refresh_log WHERE platform = 'keep'`)).toBe(4);
    expect(await count(a, `SELECT count(*) AS n FROM refresh_failures WHERE platform = 'keep'`)).toBe(2);
    expect(await count(a, `SELECT count(*) AS n FROM refresh_failures`)).toBe(2);
    expect((await a.dataSource.query(`SELECT event_type, count(*)::int AS n FROM webhook_outbox GROUP BY 1 ORDER BY 1`)) as unknown[]).toEqual([
      { event_type: 'keep', n: 2 },
      { event_type: 'keep-pending', n: 2 },
    ]);
    expect((await a.dataSource.query(`SELECT platform, count(*)::int AS n FROM oauth_states GROUP BY 1`)) as unknown[]).toEqual([{ platform: 'keep', n: 2 }]);
    expect(await count(a, `SELECT count(*) AS n FROM instance_heartbeats WHERE instance_id LIKE 'old-%'`)).toBe(0);
    expect(await count(a, `SELECT count(*) AS n FROM instance_heartbeats WHERE instance_id NOT LIKE 'old-%'`)).toBe(3);
    expect((await a.dataSource.query(`SELECT user_id, count(*)::int AS n FROM connect_sessions GROUP BY 1`)) as unknown[]).toEqual([{ user_id: 'keep', n: 2 }]);
    expect((await a.dataSource.query(`SELECT external_id FROM connection_assets ORDER BY 1`)) as unknown[]).toEqual([
      { external_id: 'keep-active' },
      { external_id: 'keep-removed' },
    ]);
  });

  it('runs each table at most once per interval across instances', async () => {
    // Instance A ran every table in the test above: instance B's regular pass skips them all.
    const skipped = await b.app.get(RetentionService).runAll();
    expect(skipped).toEqual({
      token_access_audit: 'skipped',
      refresh_log: 'skipped',
      refresh_failures: 'skipped',
      webhook_outbox: 'skipped',
      oauth_states: 'skipped',
      instance_heartbeats: 'skipped',
      connect_sessions: 'skipped',
      connection_assets: 'skipped',
    });
    // Forced (as a test or an operator may), it runs and finds nothing left to delete.
    expect(await b.app.get(RetentionService).runAll({ force: true })).toEqual({
      token_access_audit: 0,
      refresh_log: 0,
      refresh_failures: 0,
      webhook_outbox: 0,
      oauth_states: 0,
      instance_heartbeats: 0,
      connect_sessions: 0,
      connection_assets: 0,
    });
  });

  it('leases a job to one instance at a time', async () => {
    const jobsA = a.app.get(BackgroundJobsService);
    const jobsB = b.app.get(BackgroundJobsService);
    const now = { everyMs: 0, leaseMs: 60_000 };
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = jobsA.runExclusive('test:exclusive', now, async () => {
      started();
      await gate;
      return { by: 'a' };
    });
    await running;
    // While A holds the lease, nobody else runs the job, on either instance.
    const others = await Promise.all([jobsA, jobsB, jobsB, jobsA].map((jobs) => jobs.runExclusive('test:exclusive', now, async () => ({ by: 'other' }))));
    expect(others).toEqual([{ ran: false }, { ran: false }, { ran: false }, { ran: false }]);
    open();
    expect(await first).toEqual({ ran: true, result: { by: 'a' } });
    expect(await jobsB.latest('test:exclusive')).toMatchObject({ result: { by: 'a' } });

    // Finished a moment ago: a job that runs at most every minute does not run again yet.
    expect(await jobsB.runExclusive('test:exclusive', { everyMs: 60_000, leaseMs: 60_000 }, async () => ({ by: 'b' }))).toEqual({ ran: false });
    expect(await jobsB.runExclusive('test:exclusive', now, async () => ({ by: 'b' }))).toEqual({ ran: true, result: { by: 'b' } });
  });

  it('gives the lease back when a run fails, and takes over a lease its holder let expire', async () => {
    const jobs = a.app.get(BackgroundJobsService);
    const hourly = { everyMs: 3_600_000, leaseMs: 60_000 };
    await expect(jobs.runExclusive('test:failing', hourly, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    // A failed run does not count as a finished one: the next attempt runs at once.
    expect(await jobs.runExclusive('test:failing', hourly, async () => 1)).toEqual({ ran: true, result: 1 });

    // A holder that died: its lease runs out, then another instance takes the job.
    await a.dataSource.query(
      `UPDATE background_jobs SET lease_owner = 'job-dead', lease_expires_at = now() + interval '1 minute', finished_at = NULL WHERE name = 'test:failing'`,
    );
    expect(await b.app.get(BackgroundJobsService).runExclusive('test:failing', hourly, async () => 2)).toEqual({ ran: false });
    await a.dataSource.query(`UPDATE background_jobs SET lease_expires_at = now() - interval '1 second' WHERE name = 'test:failing'`);
    expect(await b.app.get(BackgroundJobsService).runExclusive('test:failing', hourly, async () => 2)).toEqual({ ran: true, result: 2 });
  });
});
