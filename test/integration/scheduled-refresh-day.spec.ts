// A day of scheduled refresh runs (every 10 minutes, REFRESH_CRON's default) over connections nobody
// uses, against fake provider servers answering as the providers document their refresh answers.
// Time is simulated by moving every time column of the connections 10 minutes into the past before
// each run (the database's now() stays real), so nothing sleeps.
import request from 'supertest';
import { Connection } from '../../src/connections/connection.entity.js';
import { Secret } from '../../src/crypto/secret.js';
import { RefreshSchedulerService } from '../../src/scheduler/refresh-scheduler.service.js';
import { builtInOverrides, type FakeProvider, type RecordedRequest, startFakeProvider } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TICK = 10 * MIN;

describe('a day of scheduled refresh runs over unused connections', () => {
  let fake: FakeProvider;
  let db: TestDb;
  let t: TestApp;
  let n = 0;

  beforeAll(async () => {
    fake = await startFakeProvider();
    // X: 2-hour access tokens, and every refresh returns a new refresh token
    // (docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code, read 2026-12-03).
    fake.on('POST', '/2/oauth2/token', () => ({
      json: {
        token_type: 'bearer',
        expires_in: 7200,
        access_token: `x-access-${++n}`,
        scope: 'tweet.read users.read tweet.write media.write offline.access',
        refresh_token: `x-refresh-${n}`,
      },
    }));
    // Google: 1-hour access tokens, no new refresh token on refresh
    // (developers.google.com/identity/protocols/oauth2/web-server#offline, read 2026-12-03).
    fake.on('POST', '/token', () => ({ json: { access_token: `ya29.access-${++n}`, expires_in: 3599, scope: 'openid email profile', token_type: 'Bearer' } }));
    // LinkedIn partner apps: 60-day access tokens, the same refresh token with its remaining TTL
    // (learn.microsoft.com/linkedin/shared/authentication/programmatic-refresh-tokens, read 2026-12-03).
    fake.on('POST', '/oauth/v2/accessToken', (req) => ({
      json: {
        access_token: `li-access-${++n}`,
        expires_in: 5_184_000,
        refresh_token: req.form.refresh_token,
        refresh_token_expires_in: 25_000_000,
        scope: 'openid,profile,email,w_member_social',
      },
    }));
    // Instagram: the 60-day token itself is renewed (developers.facebook.com/documentation/instagram-platform/reference/refresh_access_token, read 2026-12-03).
    fake.on('GET', '/refresh_access_token', () => ({ json: { access_token: `IGAA-access-${++n}`, token_type: 'bearer', expires_in: 5_183_944 } }));
    const creds = { clientId: 'client-id', clientSecret: 'client-secret' };
    db = await createTestDb();
    t = await startTestApp({
      db,
      env: {
        PROVIDERS_FILE: writeProvidersFile({
          x: builtInOverrides('x', fake.url, creds),
          google: builtInOverrides('google', fake.url, creds),
          linkedin: builtInOverrides('linkedin', fake.url, creds),
          instagram: builtInOverrides('instagram', fake.url, creds),
        }),
        REFRESH_CRON: 'off',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await fake?.close();
  });

  const ago = (ms: number) => new Date(Date.now() - ms);
  const fromNow = (ms: number) => new Date(Date.now() + ms);

  async function seed(platform: string, fields: Partial<Connection>): Promise<void> {
    await t.dataSource.getRepository(Connection).insert({
      userId: `user-${platform}`,
      platform,
      accountId: `acct-${platform}`,
      accessToken: Secret.fromPlaintext(`${platform}-access-0`),
      refreshToken: Secret.fromPlaintext(`${platform}-refresh-0`),
      scopes: [],
      ...fields,
    });
  }

  /** Moves the simulated clock forward: every stored time goes `ms` into the past. */
  const advance = (ms: number) =>
    t.dataSource.query(
      `UPDATE connections SET access_token_expires_at = access_token_expires_at - $1 * interval '1 millisecond', access_token_issued_at = access_token_issued_at - $1 * interval '1 millisecond',
         refresh_token_expires_at = refresh_token_expires_at - $1 * interval '1 millisecond', last_refreshed_at = last_refreshed_at - $1 * interval '1 millisecond',
         connected_at = connected_at - $1 * interval '1 millisecond', next_retry_at = next_retry_at - $1 * interval '1 millisecond'`,
      [ms],
    );

  const refreshes = () => {
    const count = (method: string, path: string, pred: (r: RecordedRequest) => boolean = () => true) => fake.requestsTo(method, path).filter(pred).length;
    return {
      x: count('POST', '/2/oauth2/token', (r) => r.form.grant_type === 'refresh_token'),
      google: count('POST', '/token', (r) => r.form.grant_type === 'refresh_token'),
      linkedin: count('POST', '/oauth/v2/accessToken', (r) => r.form.grant_type === 'refresh_token'),
      instagram: count('GET', '/refresh_access_token'),
    };
  };

  it('refreshes each only as often as keeping it alive requires, and a job asking gets a valid token at once', async () => {
    // X-like: 2-hour rotating tokens. Google-like: 1-hour tokens, a long-lived refresh token.
    await seed('x', { accessTokenIssuedAt: ago(HOUR), accessTokenExpiresAt: fromNow(HOUR), lastRefreshedAt: ago(HOUR) });
    await seed('google', { accessTokenIssuedAt: ago(30 * MIN), accessTokenExpiresAt: fromNow(30 * MIN), lastRefreshedAt: ago(30 * MIN) });
    // Controls that must be refreshed within the day: a 60-day LinkedIn token expiring in 3 hours, and an
    // Instagram token (its own renewal credential, no refresh token) expiring in 3 hours.
    await seed('linkedin', {
      accessTokenIssuedAt: ago(60 * DAY - 3 * HOUR),
      accessTokenExpiresAt: fromNow(3 * HOUR),
      lastRefreshedAt: ago(10 * DAY),
      refreshTokenExpiresAt: fromNow(300 * DAY),
    });
    await seed('instagram', {
      refreshToken: null,
      accessTokenIssuedAt: ago(60 * DAY - 3 * HOUR),
      accessTokenExpiresAt: fromNow(3 * HOUR),
      lastRefreshedAt: ago(10 * DAY),
    });

    const scheduler = t.app.get(RefreshSchedulerService);
    for (let run = 0; run < DAY / TICK; run++) {
      await advance(TICK);
      const report = await scheduler.runOnce();
      expect(report.failed).toBe(0);
      // What is kept alive never lapses between runs.
      const lapsed = (await t.dataSource.query(
        `SELECT platform FROM connections WHERE platform IN ('linkedin', 'instagram') AND access_token_expires_at <= now()`,
      )) as unknown[];
      expect(lapsed).toEqual([]);
    }

    const day = refreshes();
    expect(day.x).toBeLessThanOrEqual(2);
    expect(day.google).toBeLessThanOrEqual(2);
    expect(day.linkedin).toBe(1);
    expect(day.instagram).toBe(1);
    const [{ scheduled }] = (await t.dataSource.query(
      `SELECT count(*)::int AS scheduled FROM refresh_log WHERE trigger = 'scheduled' AND outcome = 'success'`,
    )) as { scheduled: number }[];
    expect(scheduled).toBe(day.x + day.google + day.linkedin + day.instagram);

    // A job asks for the X and Google tokens (long expired by now): each is refreshed on the spot.
    for (const platform of ['x', 'google']) {
      const res = await request(t.url)
        .post(`/social/${platform}/internal-token`)
        .set('Authorization', `Bearer ${t.serviceToken('publisher')}`)
        .send({ userId: `user-${platform}` })
        .expect(200);
      expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now() + 30 * MIN);
      expect(res.body.accessToken).not.toBe(`${platform}-access-0`);
    }
    expect(refreshes()).toEqual({ ...day, x: day.x + 1, google: day.google + 1 });
    // X rotated its refresh token; the new one is the one stored.
    const x = await t.dataSource.getRepository(Connection).findOneByOrFail({ platform: 'x' });
    expect(x.refreshToken!.reveal()).toMatch(/^x-refresh-\d+$/);
  });
});
