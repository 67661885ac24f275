import request from 'supertest';
import { AdminSessionService } from '../../src/auth/admin-session.service.js';
import { RateLimitService } from '../../src/rate-limit/rate-limit.service.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'a long enough password';

describe('rate limits shared by every instance (counters in Postgres)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    // Never called: connect fails at the state check, after the rate limit.
    const providers = writeProvidersFile({
      alpha: { authorizationUrl: 'http://127.0.0.1:9/authorize', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', clientSecret: 's' },
    });
    a = await startTestApp({ env: { PROVIDERS_FILE: providers, REFRESH_CRON: 'off' } });
    b = await startTestApp({ db: a.db, env: { PROVIDERS_FILE: providers, REFRESH_CRON: 'off' } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  // Each test starts with a fresh per-IP budget (20 attempts in 15 minutes); all tests come from 127.0.0.1.
  beforeEach(() => a.dataSource.query(`DELETE FROM rate_limits WHERE bucket = 'admin-sign-in-ip'`));

  const signIn = (t: TestApp, email: string, password: string) => request(t.url).post('/admin/api/session').send({ email, password });

  it('counts a sign-in attempt before comparing the password: of 12 parallel wrong passwords at most 5 get 401, the rest 429', async () => {
    await a.app.get(AdminSessionService).createAdmin('race@example.com', PASSWORD);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => signIn(i % 2 ? a : b, 'race@example.com', `wrong-${i}`)));
    const statuses = answers.map((r) => r.status);
    const refused = statuses.filter((s) => s === 401).length;
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(refused).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - refused);
    const limited = answers.find((r) => r.status === 429)!;
    expect(limited.body).toMatchObject({ error: 'too_many_attempts' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Still blocked for the right password, on either instance.
    await signIn(a, 'race@example.com', PASSWORD).expect(429);
    await signIn(b, 'race@example.com', PASSWORD).expect(429);
  });

  it('shares the per-account sign-in limit between two instances', async () => {
    await a.app.get(AdminSessionService).createAdmin('shared@example.com', PASSWORD);
    for (let i = 0; i < 5; i++) await signIn(i < 3 ? a : b, 'shared@example.com', 'nope').expect(401);
    await signIn(a, 'shared@example.com', PASSWORD).expect(429);
    await signIn(b, 'shared@example.com', PASSWORD).expect(429);
  });

  it("a successful sign-in clears the account's failures", async () => {
    await a.app.get(AdminSessionService).createAdmin('fine@example.com', PASSWORD);
    for (let i = 0; i < 4; i++) await signIn(b, 'fine@example.com', 'nope').expect(401);
    await signIn(a, 'fine@example.com', PASSWORD).expect(200);
    for (let i = 0; i < 5; i++) await signIn(b, 'fine@example.com', 'nope').expect(401);
  });

  it('shares the per-IP sign-in limit (20 attempts in 15 minutes) between two instances', async () => {
    for (let i = 0; i < 20; i++) await signIn(i % 2 ? a : b, `nobody-${i}@example.com`, 'nope').expect(401);
    await signIn(a, 'nobody-x@example.com', 'nope').expect(429);
    await signIn(b, 'fine@example.com', PASSWORD).expect(429);
  });

  it('shares the per-user connect limit (30 a minute) between two instances', async () => {
    const user = `Bearer ${a.userToken('busy-user')}`;
    const connect = (t: TestApp) => request(t.url).post('/social/alpha/connect').set('Authorization', user).send({ code: 'c', state: 'not-a-state' });
    for (let i = 0; i < 30; i++) await connect(i % 2 ? a : b).expect(400);
    const limited = await connect(a).expect(429);
    expect(limited.body.error).toBe('too_many_requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await connect(b).expect(429);
    // Another user is not affected.
    await request(b.url)
      .post('/social/alpha/connect')
      .set('Authorization', `Bearer ${a.userToken('calm-user')}`)
      .send({ code: 'c', state: 'x' })
      .expect(400);
  });

  it('shares the per-user connect-url limit between two instances', async () => {
    const user = `Bearer ${a.userToken('url-user')}`;
    // Seed 29 hits as if made elsewhere, then one call on each instance reaches the limit.
    const limits = a.app.get(RateLimitService);
    for (let i = 0; i < 28; i++) await limits.consume({ bucket: 'connect-url', limit: 30, windowMs: 60_000 }, 'url-user');
    await request(a.url).get('/social/alpha/connect-url').set('Authorization', user).expect(200);
    await request(b.url).get('/social/alpha/connect-url').set('Authorization', user).expect(200);
    await request(b.url).get('/social/alpha/connect-url').set('Authorization', user).expect(429);
    await request(a.url).get('/social/alpha/connect-url').set('Authorization', user).expect(429);
  });

  it('stores no email, IP or user id in clear', async () => {
    const dump = JSON.stringify(await a.dataSource.query('SELECT * FROM rate_limits'));
    for (const clear of ['race@example.com', '127.0.0.1', 'busy-user']) expect(dump).not.toContain(clear);
  });

  it('deletes expired counters in bounded batches and keeps live ones', async () => {
    await a.dataSource.query(
      `INSERT INTO rate_limits (bucket, key_hash, hits, reset_at)
       SELECT 'test', md5(g::text) || md5(g::text), 1, now() - interval '1 minute' FROM generate_series(1, 2300) g`,
    );
    const live = Number((await a.dataSource.query(`SELECT count(*)::int AS n FROM rate_limits WHERE reset_at > now()`))[0].n);
    expect(live).toBeGreaterThan(0);
    expect(await a.app.get(RateLimitService).deleteExpired()).toBeGreaterThanOrEqual(2300);
    expect(await a.dataSource.query(`SELECT count(*)::int AS n FROM rate_limits WHERE reset_at <= now()`)).toEqual([{ n: 0 }]);
    expect(await a.dataSource.query(`SELECT count(*)::int AS n FROM rate_limits`)).toEqual([{ n: live }]);
    await signIn(a, 'race@example.com', PASSWORD).expect(429); // a live block survives retention
  });

  it('keeps its lookups on indexes (primary key for hits, reset_at for retention)', async () => {
    // One connection, so the session setting applies to every EXPLAIN (the tables are tiny here).
    const runner = a.dataSource.createQueryRunner();
    await runner.query('SET enable_seqscan = off');
    const plan = async (sql: string) => JSON.stringify(await runner.query(`EXPLAIN ${sql}`));
    expect(
      await plan(
        `DELETE FROM rate_limits WHERE (bucket, key_hash) IN (SELECT bucket, key_hash FROM rate_limits WHERE reset_at < now() ORDER BY reset_at LIMIT 10)`,
      ),
    ).toMatch(/ix_rate_limits_reset/);
    expect(await plan(`SELECT 1 FROM admin_sessions WHERE token_hash = 'x'`)).toMatch(/uq_admin_sessions_token/);
    expect(await plan(`SELECT 1 FROM admin_sessions WHERE expires_at <= now() ORDER BY expires_at LIMIT 10`)).toMatch(/ix_admin_sessions_expires/);
    expect(await plan(`SELECT 1 FROM admin_api_keys WHERE token_hash = 'x'`)).toMatch(/uq_admin_api_keys_token/);
    await runner.query('RESET enable_seqscan');
    await runner.release();
  });
});
