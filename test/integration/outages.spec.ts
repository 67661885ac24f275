// Provider outages and crashed instances, against the real authorization server (oidc-provider)
// with its fault injection: a single blip is retried at the REFRESH_RETRY_FLOOR, an outage for
// everyone opens the provider's circuit breaker (shared by the instances through the database),
// and a refresh lease held by an instance that stopped heartbeating is taken at once.
import request from 'supertest';
import { ProviderBreakerService } from '../../src/breaker/provider-breaker.service.js';
import { sleep } from '../../src/common/sleep.js';
import { RefreshSchedulerService } from '../../src/scheduler/refresh-scheduler.service.js';
import { startOidcServer, type OidcServer } from '../helpers/oidc-server.js';
import { oidcProviderEntry, REDIRECT_URI, writeProvidersFile } from '../helpers/providers-file.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const DOWN = { status: 503, body: { error: 'temporarily_unavailable' } };
// One platform per test, all served by the same authorization server: each has its own breaker.
const PLATFORMS = ['blip', 'outage', 'shared', 'sched', 'lease'] as const;
type Platform = (typeof PLATFORMS)[number];

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

describe('provider outages and crashed instances', () => {
  let as: OidcServer;
  let db: TestDb;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    as = await startOidcServer({ redirectUris: [REDIRECT_URI], accessTokenTtl: 3600, rotateRefreshToken: true });
    const env = {
      PROVIDERS_FILE: writeProvidersFile(Object.fromEntries(PLATFORMS.map((p) => [p, oidcProviderEntry(as)]))),
      ACME_CLIENT_SECRET: as.clientSecret,
      OAUTH_REDIRECT_URI: REDIRECT_URI,
      REFRESH_CRON: 'off',
      PROVIDER_HTTP_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'error',
    };
    db = await createTestDb();
    a = await startTestApp({ db, env });
    b = await startTestApp({ db, env });
  });
  afterAll(async () => {
    as?.setDown();
    await a?.close();
    await b?.close();
    await db?.drop();
    await as?.close();
  });

  const refreshRequests = () => as.counts().tokenRequests.refresh_token ?? 0;
  const breaker = (app: TestApp) => app.app.get(ProviderBreakerService);

  async function connect(platform: Platform, user: string): Promise<void> {
    const res = await request(a.url)
      .get(`/social/${platform}/connect-url`)
      .set('Authorization', `Bearer ${a.userToken(user)}`)
      .expect(200);
    const params = await as.authorize(res.body.url, `acct-${user}`);
    await request(a.url)
      .post(`/social/${platform}/connect`)
      .set('Authorization', `Bearer ${a.userToken(user)}`)
      .send(params)
      .expect(200);
  }

  /** Every connection of `platform` (or only `user`'s) has an access token that expired 10 s ago. */
  const expire = (platform: Platform, user?: string) =>
    a.dataSource.query(
      `UPDATE connections SET access_token_issued_at = now() - interval '1 hour', access_token_expires_at = now() - interval '10 seconds', next_retry_at = NULL
       WHERE platform = $1 AND ($2::text IS NULL OR user_id = $2)`,
      [platform, user ?? null],
    );

  const internalToken = (app: TestApp, platform: Platform, user: string) =>
    request(app.url)
      .post(`/social/${platform}/internal-token`)
      .set('Authorization', `Bearer ${app.serviceToken('publisher')}`)
      .send({ userId: user });

  const row = async (platform: Platform, user: string) =>
    (
      await a.dataSource.query(
        'SELECT token_version, refresh_lease_owner, consecutive_failures, last_refresh_error FROM connections WHERE platform = $1 AND user_id = $2',
        [platform, user],
      )
    )[0] as { token_version: number; refresh_lease_owner: string | null; consecutive_failures: number; last_refresh_error: string | null };

  it('after a single 503 the next call made REFRESH_RETRY_FLOOR (2 s) after the provider recovered gets a token, not after the backoff', async () => {
    await connect('blip', 'blip-1');
    await expire('blip');
    const before = refreshRequests();
    as.failNext(1, DOWN); // one blip: the provider answers the next request again
    const failed = await internalToken(a, 'blip', 'blip-1').expect(503);
    const recoveredAt = Date.now();
    expect(failed.body.error).toBe('provider_unavailable');
    expect(Number(failed.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(failed.headers['retry-after'])).toBeLessThanOrEqual(2); // the floor, not the 15-30 s backoff
    expect(refreshRequests() - before).toBe(1);
    expect(await row('blip', 'blip-1')).toMatchObject({ consecutive_failures: 1, last_refresh_error: 'transient' });

    // Within the floor (the failure moved to just now for this one call), a caller does not reach the provider.
    const [{ attempted }] = await a.dataSource.query(`SELECT refresh_attempted_at AS attempted FROM connections WHERE platform = 'blip'`);
    await a.dataSource.query(`UPDATE connections SET refresh_attempted_at = now() WHERE platform = 'blip'`);
    expect((await internalToken(a, 'blip', 'blip-1').expect(503)).body.error).toBe('provider_unavailable');
    expect(refreshRequests() - before).toBe(1);
    await a.dataSource.query(`UPDATE connections SET refresh_attempted_at = $1 WHERE platform = 'blip'`, [attempted]);

    await sleep(Math.max(0, recoveredAt + 2_000 - Date.now()));
    const ok = await internalToken(a, 'blip', 'blip-1').expect(200);
    expect(refreshRequests() - before).toBe(2);
    expect((await as.introspect(ok.body.accessToken)).active).toBe(true);
    expect(await row('blip', 'blip-1')).toMatchObject({ consecutive_failures: 0, last_refresh_error: null });
    // One failure does not open the breaker.
    expect(breaker(a).isOpen('blip')).toBe(false);
  });

  it('with the provider down for everyone, 30 expired connections polled once a second for 10 s cost it at most 1.5 requests each; after it recovers each gets a token within 10 s', async () => {
    const users = Array.from({ length: 30 }, (_, i) => `down-${i}`);
    for (const u of users) await connect('outage', u);
    await connect('outage', 'still-valid');
    await expire('outage');
    // Still valid (in its refresh window, not expired): served from storage while the breaker is open.
    await a.dataSource.query(
      `UPDATE connections SET access_token_expires_at = now() + interval '10 minutes' WHERE platform = 'outage' AND user_id = 'still-valid'`,
    );
    const adminKey = await a.adminKey();
    const before = refreshRequests();
    as.setDown(DOWN);

    const outageStatuses = new Set<string>();
    const started = Date.now();
    for (let round = 0; round < 10; round++) {
      const roundStart = Date.now();
      const answers = await Promise.all(users.map((u) => internalToken(a, 'outage', u)));
      for (const r of answers) {
        outageStatuses.add(`${r.status} ${r.body.error}`);
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
      if (round === 5) {
        // Between rounds (nothing else in flight): the still-valid token is served without a request.
        const n = refreshRequests();
        const valid = await internalToken(a, 'outage', 'still-valid').expect(200);
        expect(valid.body.accessToken).toEqual(expect.any(String));
        expect(refreshRequests()).toBe(n);
        // The scheduler skips the provider while its breaker is open (it may send the probe, if due: one connection of the 30 due).
        const report = await a.app.get(RefreshSchedulerService).runOnce();
        expect(report.claimed).toBeLessThanOrEqual(1);
        expect(refreshRequests() - n).toBe(report.claimed);
        // The admin overview and /metrics show it.
        const summary = await request(a.url).get('/admin/api/summary').set('Authorization', `Bearer ${adminKey}`).expect(200);
        expect(summary.body.breakers).toContainEqual(
          expect.objectContaining({ platform: 'outage', state: expect.stringMatching(/^(open|half_open)$/), openedAt: expect.any(String) }),
        );
        expect(summary.body.breakers).toContainEqual(expect.objectContaining({ platform: 'blip', state: 'closed' }));
        const metrics = await request(a.url).get('/metrics').set('Authorization', `Bearer ${adminKey}`).expect(200);
        expect(metrics.text).toMatch(/oc_provider_breaker_state\{platform="outage",state="closed"\} 0/);
        expect(metrics.text).toMatch(/oc_provider_breaker_state\{platform="blip",state="closed"\} 1/);
      }
      await sleep(Math.max(0, roundStart + 1_000 - Date.now()));
    }
    const duringOutage = refreshRequests() - before;
    process.stdout.write(`[outages] provider down for ${Date.now() - started} ms: ${duringOutage} requests for ${users.length} connections\n`);
    expect([...outageStatuses]).toEqual(['503 provider_unavailable']);
    expect(duringOutage).toBeLessThanOrEqual(1.5 * users.length);

    as.setDown();
    const recoveredAt = Date.now();
    const servedAt = new Map<string, number>();
    while (servedAt.size < users.length && Date.now() < recoveredAt + 10_000) {
      const roundStart = Date.now();
      const pending = users.filter((u) => !servedAt.has(u));
      const answers = await Promise.all(pending.map((u) => internalToken(a, 'outage', u)));
      answers.forEach((r, i) => {
        if (r.status === 200) servedAt.set(pending[i]!, Date.now());
        else expect(`${r.status} ${r.body.error}`).toBe('503 provider_unavailable');
      });
      await sleep(Math.max(0, roundStart + 1_000 - Date.now()));
    }
    process.stdout.write(
      `[outages] recovered: ${servedAt.size} of ${users.length} served, the last ${Math.max(...servedAt.values()) - recoveredAt} ms after\n`,
    );
    expect(users.filter((u) => !servedAt.has(u))).toEqual([]);
    expect(breaker(a).isOpen('outage')).toBe(false);
    // Each connection refreshed once after the recovery (rotating refresh tokens: none was lost).
    expect(refreshRequests() - before - duringOutage).toBeLessThanOrEqual(users.length + 1);
  }, 120_000);

  it('shares the breaker between instances: opened by one, the other stops sending; one probe between them; the first success closes it for both', async () => {
    const users = Array.from({ length: 10 }, (_, i) => `shared-${i}`);
    for (const u of users) await connect('shared', u);
    await expire('shared');
    const before = refreshRequests();
    as.setDown(DOWN);

    // Instance A sees the provider fail for six connections: its breaker opens.
    for (const r of await Promise.all(users.slice(0, 6).map((u) => internalToken(a, 'shared', u)))) expect(r.body.error).toBe('provider_unavailable');
    expect(refreshRequests() - before).toBe(6);
    // B learns it from the database (its own sync)...
    await waitFor("instance B's breaker to open", () => breaker(b).isOpen('shared'), 10_000);
    // ...so for connections it never tried it answers at once, without asking the provider.
    const fromB = await Promise.all(users.slice(6).map((u) => internalToken(b, 'shared', u)));
    for (const r of fromB) {
      expect(r.status).toBe(503);
      expect(r.body.error).toBe('provider_unavailable');
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(3); // the next probe
    }
    expect(refreshRequests() - before).toBe(6);

    // When the probe is due, callers on both instances at once send one request between them.
    const probeDue = () => [a, b].every((app) => ((g) => g.open && g.probeDue)(breaker(app).gate('shared')));
    await waitFor('the probe to be due on both instances', probeDue, 10_000);
    const burst = await Promise.all(users.map((u, i) => internalToken(i % 2 ? a : b, 'shared', u)));
    expect(burst.map((r) => `${r.status} ${r.body.error}`)).toEqual(users.map(() => '503 provider_unavailable'));
    expect(refreshRequests() - before).toBe(7);

    // The provider recovers: the next probe (from B) succeeds and closes the breaker for A too.
    as.setDown();
    await waitFor('the next probe to be due on both instances', probeDue, 10_000);
    const probe = await internalToken(b, 'shared', 'shared-0').expect(200);
    expect((await as.introspect(probe.body.accessToken)).active).toBe(true);
    expect(breaker(b).isOpen('shared')).toBe(false);
    await waitFor("instance A's breaker to close", () => !breaker(a).isOpen('shared'), 10_000);
    const rest = await Promise.all(users.slice(1).map((u) => internalToken(a, 'shared', u)));
    expect(rest.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    expect(refreshRequests() - before).toBe(7 + users.length);
  }, 90_000);

  it('the scheduler skips a provider whose breaker is open, but sends the probe when it is due (tokens only the scheduler renews do not wait for a caller)', async () => {
    const users = Array.from({ length: 6 }, (_, i) => `sched-${i}`);
    for (const u of users) await connect('sched', u);
    await expire('sched');
    const scheduler = a.app.get(RefreshSchedulerService);
    const before = refreshRequests();
    as.setDown(DOWN);
    for (const r of await Promise.all(users.map((u) => internalToken(a, 'sched', u)))) expect(r.body.error).toBe('provider_unavailable');
    await waitFor('the breaker to open', () => breaker(a).isOpen('sched'), 10_000);
    expect(refreshRequests() - before).toBe(6);

    // Now make all six due for the scheduler: 2-day tokens an hour from expiry, backoff over. Open, probe not due: it sends nothing.
    await a.dataSource.query(
      `UPDATE connections SET access_token_issued_at = now() - interval '2 days', access_token_expires_at = now() + interval '1 hour', next_retry_at = NULL
       WHERE platform = 'sched'`,
    );
    expect(await scheduler.runOnce()).toMatchObject({ claimed: 0, refreshed: 0 });
    expect(refreshRequests() - before).toBe(6);

    // The provider recovers; nobody calls. Once the probe is due, the scheduler's probe closes the breaker and the run refreshes all six.
    as.setDown();
    await waitFor('the probe to be due', () => ((g) => g.open && g.probeDue)(breaker(a).gate('sched')), 10_000);
    expect(await scheduler.runOnce()).toMatchObject({ claimed: 6, refreshed: 6, failed: 0 });
    expect(breaker(a).isOpen('sched')).toBe(false);
    expect(refreshRequests() - before).toBe(12);
  }, 60_000);

  it("takes a refresh lease whose holder's instance stopped heartbeating at once; waits for a live holder at most PROVIDER_HTTP_TIMEOUT_MS", async () => {
    for (const u of ['dead-holder', 'live-holder', 'live-valid', 'old-holder']) await connect('lease', u);
    await expire('lease');
    await a.dataSource.query(
      `UPDATE connections SET access_token_expires_at = now() + interval '10 minutes' WHERE platform = 'lease' AND user_id = 'live-valid'`,
    );
    const q = (sql: string, params: unknown[] = []) => a.dataSource.query(sql, params);
    const hold = (user: string, owner: string) =>
      q(`UPDATE connections SET refresh_lease_owner = $2, refresh_lease_expires_at = now() + interval '30 seconds' WHERE platform = 'lease' AND user_id = $1`, [
        user,
        owner,
      ]);
    // An instance that died 6 s ago (SIGKILL: no goodbye), holding a lease with 30 s to run.
    await q(`INSERT INTO instance_heartbeats (instance_id, process, beat_at) VALUES ('dead0000dead0000', 'gone:1', now() - interval '6 seconds')`);
    await hold('dead-holder', 'dead0000dead0000:aaaaaaaaaaaa');
    // A live one (beating while the test runs), and one of a release without heartbeats (no row).
    await q(`INSERT INTO instance_heartbeats (instance_id, process) VALUES ('11ve11ve11ve11ve', 'alive:2')`);
    const beating = setInterval(
      () => void q(`UPDATE instance_heartbeats SET beat_at = now() WHERE instance_id = '11ve11ve11ve11ve'`).catch(() => undefined),
      300,
    );
    try {
      await hold('live-holder', '11ve11ve11ve11ve:bbbbbbbbbbbb');
      await hold('live-valid', '11ve11ve11ve11ve:cccccccccccc');
      await hold('old-holder', '01d0000000000000:dddddddddddd');
      const leaseExpiresAt = Date.now() + 30_000;
      const before = refreshRequests();
      const versions = { dead: (await row('lease', 'dead-holder')).token_version, live: (await row('lease', 'live-holder')).token_version };

      const taken = await internalToken(a, 'lease', 'dead-holder').expect(200);
      expect(Date.now()).toBeLessThan(leaseExpiresAt); // not waited out
      expect(refreshRequests() - before).toBe(1);
      expect((await as.introspect(taken.body.accessToken)).active).toBe(true);
      expect(await row('lease', 'dead-holder')).toMatchObject({ token_version: versions.dead + 1, refresh_lease_owner: null });

      // A live holder: waited for (at most PROVIDER_HTTP_TIMEOUT_MS), never taken over.
      for (const user of ['live-holder', 'old-holder']) {
        const busy = await internalToken(a, 'lease', user).expect(503);
        expect(busy.body.error).toBe('refresh_in_progress');
        expect(Number(busy.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
      expect(await row('lease', 'live-holder')).toMatchObject({ token_version: versions.live, refresh_lease_owner: '11ve11ve11ve11ve:bbbbbbbbbbbb' });
      // Its still-valid token is served.
      const valid = await internalToken(a, 'lease', 'live-valid').expect(200);
      expect(valid.body.accessToken).toEqual(expect.any(String));
      expect(refreshRequests() - before).toBe(1);
    } finally {
      clearInterval(beating);
    }
  }, 60_000);
});
