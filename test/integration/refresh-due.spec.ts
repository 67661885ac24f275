import { Connection } from '../../src/connections/connection.entity.js';
import { ConnectionCountsService } from '../../src/connections/connection-counts.service.js';
import { ConnectionLeaseRepository } from '../../src/connections/connection-lease.repository.js';
import { NextRefreshService } from '../../src/connections/next-refresh.service.js';
import { refreshDueSql } from '../../src/connections/refresh-due.js';
import { Secret } from '../../src/crypto/secret.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

// The one definition of "due" (src/connections/refresh-due.ts), and the four places that use it:
// the scheduler's claim, the admin summary's and the admin filter's "expiring", the backlog gauge.
describe('refresh due', () => {
  let db: TestDb;
  let t: TestApp;
  let env: Record<string, string>;
  // One instant for every case, so expected times are exact.
  const t0 = Date.now();
  const ago = (ms: number) => new Date(t0 - ms);
  const fromNow = (ms: number) => new Date(t0 + ms);
  // Defaults: SCHEDULED_REFRESH_WINDOW 6h, REFRESH_IDLE_MAX 30d. Every row has a refresh token and
  // was issued an hour ago unless the case says otherwise.
  const issued = (ms: number) => ({ accessTokenIssuedAt: ago(ms), lastRefreshedAt: ago(ms) });
  // [user, when it is due relative to now (null: never, not active), the row's fields]
  const cases: [string, number | null, Partial<Connection>][] = [
    // A day's token: 6 h ahead of expiry.
    ['day-token-expires-in-1h', -5 * HOUR, { accessTokenExpiresAt: fromNow(HOUR), ...issued(23 * HOUR) }],
    ['day-token-expires-in-7h', HOUR, { accessTokenExpiresAt: fromNow(7 * HOUR), ...issued(17 * HOUR) }],
    // 2-hour tokens (X) with a refresh token are refreshed on demand, not ahead of expiry (only for idleness)...
    ['short-token-expires-in-1h', 30 * DAY - HOUR, { accessTokenExpiresAt: fromNow(HOUR) }],
    ['short-token-expired', 30 * DAY - 3 * HOUR, { accessTokenExpiresAt: ago(HOUR), ...issued(3 * HOUR) }],
    // ...and 12-hour ones neither; 13-hour ones ahead of expiry by their lifetime minus 12 hours (1 hour).
    ['12h-token-expires-in-2h', 30 * DAY - 10 * HOUR, { accessTokenExpiresAt: fromNow(2 * HOUR), ...issued(10 * HOUR) }],
    ['13h-token-expires-in-2h', HOUR, { accessTokenExpiresAt: fromNow(2 * HOUR), ...issued(11 * HOUR) }],
    ['13h-token-expires-in-30min', -30 * MIN, { accessTokenExpiresAt: fromNow(30 * MIN), ...issued(12.5 * HOUR) }],
    // An access token that is its own renewal credential (Instagram) is kept alive, however short-lived:
    // the window capped at half its lifetime.
    [
      'access-only-expires-in-3h',
      -3 * HOUR,
      { accessTokenExpiresAt: fromNow(3 * HOUR), refreshToken: null, accessTokenIssuedAt: ago(60 * DAY), lastRefreshedAt: ago(DAY) },
    ],
    ['access-only-short-expires-in-20min', -20 * MIN, { accessTokenExpiresAt: fromNow(20 * MIN), refreshToken: null }],
    [
      'access-only-expires-in-10d',
      10 * DAY - 6 * HOUR,
      { accessTokenExpiresAt: fromNow(10 * DAY), refreshToken: null, accessTokenIssuedAt: ago(50 * DAY), lastRefreshedAt: ago(DAY) },
    ],
    // A 21-hour token: 6 h ahead (at most twice a day holds).
    ['expires-in-20h', 14 * HOUR, { accessTokenExpiresAt: fromNow(20 * HOUR) }],
    // REFRESH_IDLE_MAX (30 days) after the last refresh.
    ['no-expiry', 29 * DAY, { accessTokenExpiresAt: null, lastRefreshedAt: ago(DAY) }],
    ['idle-31d', -DAY, { accessTokenExpiresAt: null, lastRefreshedAt: ago(31 * DAY) }],
    ['short-token-idle-31d', -DAY - HOUR, { accessTokenExpiresAt: ago(31 * DAY - HOUR), ...issued(31 * DAY + HOUR) }],
    // A refresh token with its own expiry: in the middle of its life since the last refresh.
    [
      'refresh-token-past-half-life',
      -5 * DAY,
      { accessTokenExpiresAt: fromNow(20 * HOUR), lastRefreshedAt: ago(20 * DAY), refreshTokenExpiresAt: fromNow(10 * DAY) },
    ],
    ['refresh-token-young', 14 * HOUR, { accessTokenExpiresAt: fromNow(20 * HOUR), lastRefreshedAt: ago(5 * DAY), refreshTokenExpiresAt: fromNow(25 * DAY) }],
    ['short-token-refresh-token-past-half-life', -30 * MIN, { accessTokenExpiresAt: ago(HOUR), ...issued(3 * HOUR), refreshTokenExpiresAt: fromNow(2 * HOUR) }],
    // Backoff: not before next_retry_at.
    ['in-backoff', HOUR, { accessTokenExpiresAt: fromNow(HOUR), ...issued(23 * HOUR), consecutiveFailures: 1, nextRetryAt: fromNow(HOUR) }],
    ['backoff-over', -MIN, { accessTokenExpiresAt: fromNow(HOUR), ...issued(23 * HOUR), consecutiveFailures: 1, nextRetryAt: ago(MIN) }],
    ['needs-reauth', null, { accessTokenExpiresAt: fromNow(HOUR), ...issued(23 * HOUR), status: 'needs_reauth' }],
  ];
  const due = cases
    .filter(([, at]) => at !== null && at <= 0)
    .map(([user]) => user)
    .sort();

  beforeAll(async () => {
    db = await createTestDb();
    env = {
      PROVIDERS_FILE: writeProvidersFile({
        fake: { authorizationUrl: 'http://127.0.0.1:9/authorize', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'cid', clientSecret: 'cs' },
      }),
      REFRESH_CRON: 'off',
    };
    t = await startTestApp({ db, env });
    for (const [userId, , fields] of cases) {
      await t.dataSource.getRepository(Connection).insert({
        userId,
        platform: 'fake',
        accessToken: Secret.fromPlaintext(`at-${userId}`),
        refreshToken: Secret.fromPlaintext(`rt-${userId}`),
        accessTokenIssuedAt: ago(HOUR),
        lastRefreshedAt: ago(HOUR),
        scopes: [],
        ...fields,
      });
    }
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const stored = async () =>
    new Map(
      (
        (await t.dataSource.query(`SELECT user_id, next_refresh_at FROM connections WHERE platform = 'fake'`)) as {
          user_id: string;
          next_refresh_at: Date | null;
        }[]
      ).map((r) => [r.user_id, r.next_refresh_at && new Date(r.next_refresh_at).getTime() - t0]),
    );
  const dueNow = async () =>
    ((await t.dataSource.query(`SELECT c.user_id FROM connections c WHERE ${refreshDueSql('c')} AND c.platform = 'fake'`)) as { user_id: string }[])
      .map((r) => r.user_id)
      .sort();

  it('stores next_refresh_at: the capped window ahead of expiry, half the refresh token life, idleness, backoff; null unless active', async () => {
    const at = await stored();
    // Halving a refresh token's life may leave half a millisecond.
    for (const [user, expected] of cases) expect([user, at.get(user) === null ? null : Math.round(at.get(user)!)]).toEqual([user, expected]);
  });

  it('is due once next_refresh_at has passed', async () => {
    expect(await dueNow()).toEqual(due);
  });

  it('follows SCHEDULED_REFRESH_WINDOW and REFRESH_IDLE_MAX: another instance with other settings reinstalls the rule and recomputes every row', async () => {
    const other = await startTestApp({ db, env: { ...env, SCHEDULED_REFRESH_WINDOW: '1d', REFRESH_IDLE_MAX: '365d' } });
    try {
      await other.app.get(NextRefreshService).settled;
    } finally {
      await other.close();
    }
    // A day's window: 24-hour tokens are refreshed 12 hours ahead (half their life), 21-hour ones 9 hours ahead (at most twice a day);
    // a year of idleness allowed drops the idle ones.
    expect(await dueNow()).toEqual(
      [
        'access-only-expires-in-3h',
        'access-only-short-expires-in-20min',
        'backoff-over',
        'day-token-expires-in-1h',
        'day-token-expires-in-7h',
        'refresh-token-past-half-life',
        'short-token-refresh-token-past-half-life',
        '13h-token-expires-in-30min',
      ].sort(),
    );
    expect((await stored()).get('expires-in-20h')).toBe(20 * HOUR - 9 * HOUR);
    // Back to this app's settings.
    expect(await t.app.get(NextRefreshService).reconcile()).toBe(cases.length);
    expect(await dueNow()).toEqual(due);
  });

  it('is written with every write of an input: a refresh, a failure with backoff, a reconnect, needs_reauth; a lease only hides it from the claim', async () => {
    const repo = t.dataSource.getRepository(Connection);
    const leases = t.app.get(ConnectionLeaseRepository);
    const { id } = await repo.save(
      repo.create({ userId: 'writes', platform: 'fake', accessToken: Secret.fromPlaintext('at'), refreshToken: Secret.fromPlaintext('rt'), scopes: [] }),
    );
    const at = async () => {
      const [row] = (await t.dataSource.query('SELECT next_refresh_at FROM connections WHERE id = $1', [id])) as { next_refresh_at: Date | null }[];
      return row!.next_refresh_at && new Date(row!.next_refresh_at).getTime();
    };
    const claimAndKeep = () => leases.claimDue({ owner: 'w', limit: 100, platforms: [{ platform: 'fake', needsRefreshToken: true, minRefreshAgeMs: 0 }] });
    const claim = async () => {
      const ids = await claimAndKeep();
      for (const x of ids) await leases.release(x, 'w');
      return ids;
    };
    const c = await repo.findOneByOrFail({ id });
    // Connected now without expiry: idleness only.
    expect(await at()).toBe(c.connectedAt.getTime() + 30 * DAY);
    await repo.update({ id }, { accessTokenExpiresAt: fromNow(HOUR), accessTokenIssuedAt: ago(23 * HOUR) });
    expect(await at()).toBe(t0 - 5 * HOUR);
    const kept = await claimAndKeep();
    expect(kept).toContain(id);
    // Leased: out of the claim's range, still due (the gauge counts it).
    expect(await claim()).not.toContain(id);
    expect(await dueNow()).toContain('writes');
    for (const x of kept) await leases.release(x, 'w');
    expect(await claim()).toContain(id);
    const leased = await repo.findOneByOrFail({ id });
    const retryAt = new Date(Date.now() + 10 * MIN);
    await t.dataSource.transaction((m) => leases.recordFailure(m, leased, 'w', { failureClass: 'transient', retryAt, countAgainstConnection: true }));
    expect(await at()).toBe(retryAt.getTime());
    expect(await claim()).not.toContain(id);
    // A refresh: a new day's token, backoff cleared.
    const failed = await repo.findOneByOrFail({ id });
    const before = Date.now();
    await t.dataSource.transaction((m) => leases.saveRefreshed(m, failed, { accessToken: 'at2', expiresIn: 24 * 3600 }));
    expect(await at()).toBeGreaterThanOrEqual(before + 18 * HOUR);
    expect(await at()).toBeLessThanOrEqual(Date.now() + 18 * HOUR);
    const refreshed = await repo.findOneByOrFail({ id });
    await t.dataSource.transaction((m) => leases.markNeedsReauth(m, refreshed, { failureClass: 'invalid_grant' }));
    expect(await at()).toBeNull();
    // A reconnect makes it active again.
    await repo.update({ id }, { status: 'active', accessTokenExpiresAt: null, lastRefreshedAt: ago(DAY) });
    expect(await at()).toBe(t0 + 29 * DAY);
    await repo.delete({ id });
  });

  it('is what the backlog gauge counts', async () => {
    await t.app.get(ConnectionCountsService).refresh({ force: true });
    expect((await t.app.get(MetricsService).render()).body).toMatch(new RegExp(`^oc_refresh_backlog ${due.length}$`, 'm'));
  });

  it('is what the scheduler claims (among connections it can refresh)', async () => {
    const leases = t.app.get(ConnectionLeaseRepository);
    const ids = await leases.claimDue({ owner: 'test-owner', limit: 100, platforms: [{ platform: 'fake', needsRefreshToken: true, minRefreshAgeMs: 0 }] });
    const claimed = await leases.findLeased(ids, 'test-owner');
    // A refresh-token platform's rows without one cannot be refreshed by the scheduler.
    const withRefreshToken = cases
      .filter(([user, , fields]) => due.includes(user) && fields.refreshToken !== null)
      .map(([user]) => user)
      .sort();
    expect(claimed.map((c) => c.userId).sort()).toEqual(withRefreshToken);
    for (const id of ids) await leases.release(id, 'test-owner');
  });

  it("claims by each platform's catalogue refresh behaviour: refresh token needed or not, minimum token age", async () => {
    const leases = t.app.get(ConnectionLeaseRepository);
    const repo = t.dataSource.getRepository(Connection);
    // An access-token-renewed platform (Instagram-like): no refresh token, due once 24 h old.
    for (const [userId, issuedAgo] of [
      ['self-old', 25 * HOUR],
      ['self-young', HOUR],
    ] as const) {
      await repo.insert({
        userId,
        platform: 'self',
        accessToken: Secret.fromPlaintext(`at-${userId}`),
        refreshToken: null,
        accessTokenIssuedAt: ago(issuedAgo),
        accessTokenExpiresAt: fromNow(30 * MIN),
        lastRefreshedAt: ago(issuedAgo),
        scopes: [],
      });
    }
    const claim = async (needsRefreshToken: boolean, minRefreshAgeMs: number) => {
      const ids = await leases.claimDue({ owner: 'o2', limit: 100, platforms: [{ platform: 'self', needsRefreshToken, minRefreshAgeMs }] });
      const users = (await leases.findLeased(ids, 'o2')).map((c) => c.userId).sort();
      for (const id of ids) await leases.release(id, 'o2');
      return users;
    };
    expect(await claim(false, 24 * HOUR)).toEqual(['self-old']);
    expect(await claim(false, 0)).toEqual(['self-old', 'self-young']);
    expect(await claim(true, 0)).toEqual([]);
  });
});
