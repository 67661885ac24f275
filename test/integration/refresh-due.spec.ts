import { APP_CONFIG, type AppConfig } from '../../src/config/config.types.js';
import { Connection } from '../../src/connections/connection.entity.js';
import { ConnectionCountsService } from '../../src/connections/connection-counts.service.js';
import { ConnectionLeaseRepository } from '../../src/connections/connection-lease.repository.js';
import { refreshDueSql } from '../../src/connections/refresh-due.js';
import { sqlParams } from '../../src/common/sql-params.js';
import { Secret } from '../../src/crypto/secret.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { RefreshPolicy } from '../../src/tokens/refresh-policy.js';
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
  const ago = (ms: number) => new Date(Date.now() - ms);
  const fromNow = (ms: number) => new Date(Date.now() + ms);
  // Defaults: SCHEDULED_REFRESH_WINDOW 6h, REFRESH_IDLE_MAX 30d. Every row has a refresh token and
  // was issued an hour ago unless the case says otherwise.
  const issued = (ms: number) => ({ accessTokenIssuedAt: ago(ms), lastRefreshedAt: ago(ms) });
  const cases: [string, boolean, Partial<Connection>][] = [
    ['day-token-expires-in-1h', true, { accessTokenExpiresAt: fromNow(HOUR), ...issued(23 * HOUR) }],
    ['day-token-expires-in-7h', false, { accessTokenExpiresAt: fromNow(7 * HOUR), ...issued(17 * HOUR) }],
    // 2-hour tokens (X) with a refresh token are refreshed on demand, not ahead of expiry...
    ['short-token-expires-in-1h', false, { accessTokenExpiresAt: fromNow(HOUR) }],
    ['short-token-expired', false, { accessTokenExpiresAt: ago(HOUR), ...issued(3 * HOUR) }],
    // ...13-hour ones ahead of expiry by at most their lifetime minus 12 hours (here: 1 hour).
    ['13h-token-expires-in-2h', false, { accessTokenExpiresAt: fromNow(2 * HOUR), ...issued(11 * HOUR) }],
    ['13h-token-expires-in-30min', true, { accessTokenExpiresAt: fromNow(30 * MIN), ...issued(12.5 * HOUR) }],
    // An access token that is its own renewal credential (Instagram) is kept alive, however short-lived.
    [
      'access-only-expires-in-3h',
      true,
      { accessTokenExpiresAt: fromNow(3 * HOUR), refreshToken: null, accessTokenIssuedAt: ago(60 * DAY), lastRefreshedAt: ago(DAY) },
    ],
    ['access-only-short-expires-in-20min', true, { accessTokenExpiresAt: fromNow(20 * MIN), refreshToken: null }],
    [
      'access-only-expires-in-10d',
      false,
      { accessTokenExpiresAt: fromNow(10 * DAY), refreshToken: null, accessTokenIssuedAt: ago(50 * DAY), lastRefreshedAt: ago(DAY) },
    ],
    ['expires-in-20h', false, { accessTokenExpiresAt: fromNow(20 * HOUR) }],
    ['no-expiry', false, { accessTokenExpiresAt: null, lastRefreshedAt: ago(DAY) }],
    ['idle-31d', true, { accessTokenExpiresAt: null, lastRefreshedAt: ago(31 * DAY) }],
    ['short-token-idle-31d', true, { accessTokenExpiresAt: ago(31 * DAY - HOUR), ...issued(31 * DAY + HOUR) }],
    [
      'refresh-token-past-half-life',
      true,
      { accessTokenExpiresAt: fromNow(20 * HOUR), lastRefreshedAt: ago(20 * DAY), refreshTokenExpiresAt: fromNow(10 * DAY) },
    ],
    ['refresh-token-young', false, { accessTokenExpiresAt: fromNow(20 * HOUR), lastRefreshedAt: ago(5 * DAY), refreshTokenExpiresAt: fromNow(25 * DAY) }],
    ['short-token-refresh-token-past-half-life', true, { accessTokenExpiresAt: ago(HOUR), ...issued(3 * HOUR), refreshTokenExpiresAt: fromNow(2 * HOUR) }],
    ['in-backoff', false, { accessTokenExpiresAt: fromNow(HOUR), ...issued(23 * HOUR), consecutiveFailures: 1, nextRetryAt: fromNow(HOUR) }],
    ['backoff-over', true, { accessTokenExpiresAt: fromNow(HOUR), ...issued(23 * HOUR), consecutiveFailures: 1, nextRetryAt: ago(MIN) }],
    ['needs-reauth', false, { accessTokenExpiresAt: fromNow(HOUR), ...issued(23 * HOUR), status: 'needs_reauth' }],
  ];
  const due = cases
    .filter(([, d]) => d)
    .map(([user]) => user)
    .sort();

  beforeAll(async () => {
    db = await createTestDb();
    t = await startTestApp({
      db,
      env: {
        PROVIDERS_FILE: writeProvidersFile({
          fake: { authorizationUrl: 'http://127.0.0.1:9/authorize', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'cid', clientSecret: 'cs' },
        }),
        REFRESH_CRON: 'off',
      },
    });
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

  it('is: active, not in backoff, and expiring within the capped window, past half the refresh token life, or idle', async () => {
    const { params, p } = sqlParams();
    const rows = (await t.dataSource.query(
      `SELECT c.user_id FROM connections c WHERE ${refreshDueSql(t.app.get<AppConfig>(APP_CONFIG).refresh, p)} ORDER BY c.user_id`,
      params,
    )) as { user_id: string }[];
    expect(rows.map((r) => r.user_id).sort()).toEqual(due);
  });

  it('follows SCHEDULED_REFRESH_WINDOW and REFRESH_IDLE_MAX', async () => {
    const { params, p } = sqlParams();
    // A one-day window takes in the 20 h tokens; a year of idleness allowed drops the idle one.
    const rows = (await t.dataSource.query(
      `SELECT c.user_id FROM connections c WHERE ${refreshDueSql({ scheduledWindowMs: DAY, idleMaxMs: 365 * DAY }, p)} ORDER BY c.user_id`,
      params,
    )) as { user_id: string }[];
    // A day's window: 24-hour tokens are refreshed 12 hours ahead (half their life), 21-hour ones 9 hours ahead (at most twice a day).
    expect(rows.map((r) => r.user_id).sort()).toEqual(
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
  });

  it('is what RefreshPolicy.scheduledDue says of each row, and due exactly when scheduledDueAt has passed', async () => {
    const settings = t.app.get<AppConfig>(APP_CONFIG).refresh;
    const rows = await t.dataSource.getRepository(Connection).find({ where: { platform: 'fake' } });
    const now = Date.now();
    expect(
      rows
        .filter((c) => RefreshPolicy.scheduledDue(c, settings, now))
        .map((c) => c.userId)
        .sort(),
    ).toEqual(due);
    for (const c of rows.filter((r) => r.status === 'active' && r.nextRetryAt === null)) {
      expect([c.userId, RefreshPolicy.scheduledDueAt(c, settings).getTime() < now]).toEqual([c.userId, due.includes(c.userId)]);
    }
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
      .filter(([, d, fields]) => d && fields.refreshToken !== null)
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
