import { jest } from '@jest/globals';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { Connection } from '../../src/connections/connection.entity.js';
import { Secret } from '../../src/crypto/secret.js';
import { REFRESH_JOB, RefreshSchedulerService } from '../../src/scheduler/refresh-scheduler.service.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('scheduled refresh', () => {
  let fake: FakeProvider;
  let db: TestDb;
  let a: TestApp;
  let b: TestApp;
  let delayMs = 0;
  const failFor = new Set<string>();

  beforeAll(async () => {
    fake = await startFakeProvider();
    let n = 0;
    fake.on('POST', '/token', (req) => {
      const rt = req.form.refresh_token!;
      if (failFor.has(rt)) return { status: 500, json: { error: 'server_error' } };
      n++;
      return { delayMs, json: { access_token: `at-${rt}-${n}`, refresh_token: `${rt}+`, expires_in: 86_400, token_type: 'Bearer' } };
    });
    const env = {
      PROVIDERS_FILE: writeProvidersFile({
        fake: { authorizationUrl: `${fake.url}/authorize`, tokenUrl: `${fake.url}/token`, clientId: 'cid', clientSecret: 'csecret' },
      }),
      REFRESH_CRON: 'off',
    };
    db = await createTestDb();
    a = await startTestApp({ db, env });
    b = await startTestApp({ db, env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    await fake?.close();
  });
  beforeEach(async () => {
    await a.dataSource.query('DELETE FROM connections');
    fake.requests.length = 0;
    failFor.clear();
    delayMs = 0;
  });

  async function seed(user: string, fields: Partial<Connection> = {}): Promise<void> {
    await a.dataSource.getRepository(Connection).insert({
      userId: user,
      platform: 'fake',
      accessToken: Secret.fromPlaintext(`at-${user}`),
      refreshToken: Secret.fromPlaintext(`rt-${user}`),
      accessTokenExpiresAt: new Date(Date.now() + HOUR),
      accessTokenIssuedAt: new Date(Date.now() - 23 * HOUR),
      lastRefreshedAt: new Date(Date.now() - 23 * HOUR),
      scopes: [],
      ...fields,
    });
  }

  const refreshedTokens = () =>
    fake
      .requestsTo('POST', '/token')
      .map((r) => r.form.refresh_token)
      .sort();

  it('refreshes what is due and nothing else', async () => {
    await seed('due');
    await seed('notdue', { accessTokenExpiresAt: new Date(Date.now() + 10 * HOUR) });
    await seed('reauth', { status: 'needs_reauth' });
    await seed('backoff', { nextRetryAt: new Date(Date.now() + HOUR) });
    await seed('norefresh', { refreshToken: null });
    await seed('rthalf', {
      accessTokenExpiresAt: new Date(Date.now() + 10 * HOUR),
      refreshTokenExpiresAt: new Date(Date.now() + 10 * DAY),
      lastRefreshedAt: new Date(Date.now() - 30 * DAY),
    });
    await seed('idle', { accessTokenExpiresAt: null, lastRefreshedAt: new Date(Date.now() - 40 * DAY) });
    await seed('leased', { refreshLeaseOwner: 'other-instance:1', refreshLeaseExpiresAt: new Date(Date.now() + 20_000) });

    const report = await a.app.get(RefreshSchedulerService).runOnce();
    expect(refreshedTokens()).toEqual(['rt-due', 'rt-idle', 'rt-rthalf']);
    expect(report).toMatchObject({ claimed: 3, refreshed: 3, failed: 0, stoppedByBudget: false });
    const rows = await a.dataSource.getRepository(Connection).find();
    const due = rows.find((r) => r.userId === 'due')!;
    expect(due.refreshToken!.reveal()).toBe('rt-due+');
    expect(due.accessTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 23 * HOUR);
    const [{ n }] = await a.dataSource.query(`SELECT count(*)::int AS n FROM refresh_log WHERE trigger = 'scheduled' AND outcome = 'success'`);
    expect(n).toBe(3);
  });

  it('two instances over one database refresh each due connection exactly once', async () => {
    for (let i = 0; i < 30; i++) await seed(`u${i}`);
    delayMs = 50;
    const [ra, rb] = await Promise.all([a.app.get(RefreshSchedulerService).runOnce(), b.app.get(RefreshSchedulerService).runOnce()]);
    const tokens = refreshedTokens();
    expect(tokens).toHaveLength(30);
    expect(new Set(tokens).size).toBe(30);
    expect(ra.refreshed + rb.refreshed).toBe(30);
    expect(ra.refreshed).toBeGreaterThan(0);
    expect(rb.refreshed).toBeGreaterThan(0);
  });

  it('one failing connection does not stop the others', async () => {
    for (let i = 0; i < 5; i++) await seed(`f${i}`);
    failFor.add('rt-f2');
    const report = await a.app.get(RefreshSchedulerService).runOnce();
    expect(report).toMatchObject({ claimed: 5, refreshed: 4, failed: 1 });
    const [failure] = await a.dataSource.query(`SELECT failure_class, trigger FROM refresh_failures WHERE user_id = 'f2'`);
    expect(failure).toEqual({ failure_class: 'transient', trigger: 'scheduled' });
    const f2 = await a.dataSource.getRepository(Connection).findOneByOrFail({ userId: 'f2' });
    expect({ status: f2.status, failures: f2.consecutiveFailures }).toEqual({ status: 'active', failures: 1 });
  });

  it('stops claiming work when the time budget is spent', async () => {
    for (let i = 0; i < 40; i++) await seed(`b${i}`);
    delayMs = 200;
    const report = await a.app.get(RefreshSchedulerService).runOnce(50);
    expect(report.stoppedByBudget).toBe(true);
    expect(report.claimed).toBeLessThan(40);
    expect(report.refreshed).toBe(report.claimed);
    // What was not claimed stays due for the next run, with no lease left behind.
    const [{ n }] = await a.dataSource.query('SELECT count(*)::int AS n FROM connections WHERE refresh_lease_owner IS NOT NULL');
    expect(n).toBe(0);
  });
});

describe('the scheduled-refresh cron job', () => {
  // A CronJob sets its first timer in start(): a job never started never ticks.
  const starts = () => jest.spyOn(CronJob.prototype, 'start');
  afterEach(() => jest.restoreAllMocks());

  it('is the @Cron method, re-timed from REFRESH_CRON and started once at bootstrap, never on the placeholder', async () => {
    const start = starts();
    const t = await startTestApp({ env: { REFRESH_CRON: '*/7 * * * *' } });
    try {
      const job = t.app.get(SchedulerRegistry).getCronJob(REFRESH_JOB);
      expect(job.cronTime.source).toBe('*/7 * * * *');
      expect(job.isActive).toBe(true);
      expect(start.mock.contexts).toEqual([job]);
      // A tick runs the scheduled refresh (fired directly rather than waiting for the clock).
      const runOnce = jest.spyOn(t.app.get(RefreshSchedulerService), 'runOnce');
      await job.fireOnTick();
      expect(runOnce).toHaveBeenCalledTimes(1);
    } finally {
      await t.close();
    }
  });

  it('with REFRESH_CRON=off is removed before it is ever started', async () => {
    const start = starts();
    const t = await startTestApp({ env: { REFRESH_CRON: 'off' } });
    try {
      expect(t.app.get(SchedulerRegistry).doesExist('cron', REFRESH_JOB)).toBe(false);
      expect(t.app.get(SchedulerRegistry).getCronJobs().size).toBe(0);
      expect(start).not.toHaveBeenCalled();
    } finally {
      await t.close();
    }
  });
});
