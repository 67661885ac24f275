import request from 'supertest';
import { AdminSessionService } from '../../src/auth/admin-session.service.js';
import { Connection } from '../../src/connections/connection.entity.js';
import { ConnectionCountsService } from '../../src/connections/connection-counts.service.js';
import { KeyUsageService } from '../../src/crypto/key-usage.service.js';
import { Secret } from '../../src/crypto/secret.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const HOUR = 3_600_000;

describe('admin API', () => {
  let fake: FakeProvider;
  let t: TestApp;
  let admin: string;
  let failing = false;

  beforeAll(async () => {
    fake = await startFakeProvider();
    fake.on('POST', '/token', (req) =>
      failing
        ? { status: 500, json: { error: 'server_error' } }
        : { json: { access_token: `new-${req.form.refresh_token}`, refresh_token: `${req.form.refresh_token}+`, expires_in: 7200 } },
    );
    const entry = (name: string) => ({
      displayName: name,
      authorizationUrl: `${fake.url}/authorize`,
      tokenUrl: `${fake.url}/token`,
      clientId: 'cid',
      clientSecret: 'csecret',
    });
    t = await startTestApp({ env: { PROVIDERS_FILE: writeProvidersFile({ alpha: entry('Alpha'), beta: entry('Beta') }), REFRESH_CRON: 'off' } });
    admin = `Bearer ${await t.adminKey()}`;
    await t.app.get(AdminSessionService).createAdmin('ops@example.com', 'correct horse battery');
    const repo = t.dataSource.getRepository(Connection);
    for (let i = 0; i < 30; i++) {
      await repo.insert({
        userId: `user-${String(i).padStart(2, '0')}`,
        platform: i % 3 === 0 ? 'beta' : 'alpha',
        accountId: `acct-${i}`,
        username: i === 7 ? 'Jane Creator' : `name-${i}`,
        status: i % 10 === 9 ? 'needs_reauth' : 'active',
        consecutiveFailures: i % 5 === 4 ? 2 : 0,
        accessToken: Secret.fromPlaintext(`at-${i}`),
        refreshToken: Secret.fromPlaintext(`rt-${i}`),
        accessTokenExpiresAt: new Date(Date.now() + (i % 4) * 3 * HOUR + i * 60_000),
        accessTokenIssuedAt: new Date(Date.now() - HOUR),
        scopes: ['read'],
      });
    }
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const get = (path: string, auth = admin) => request(t.url).get(path).set('Authorization', auth);
  const ids = async (query: string) => (await get(`/admin/api/connections?${query}`).expect(200)).body.items.map((r: { userId: string }) => r.userId);

  it('refuses anonymous callers and user sessions, and guessed ids without admin rights', async () => {
    await request(t.url).get('/admin/api/summary').expect(401);
    await get('/admin/api/summary', `Bearer ${t.userToken('user-01')}`).expect(403);
    const [{ id }] = await t.dataSource.query('SELECT id FROM connections LIMIT 1');
    await get(`/admin/api/connections/${id}`, `Bearer ${t.userToken('user-01')}`).expect(403);
    await request(t.url)
      .post(`/admin/api/connections/${id}/refresh`)
      .set('Authorization', `Bearer ${t.userToken('user-01')}`)
      .expect(403);
    await request(t.url)
      .delete(`/admin/api/connections/${id}`)
      .set('Authorization', `Bearer ${t.userToken('user-01')}`)
      .expect(403);
  });

  it('summarises connections by platform and status, never with tokens', async () => {
    // Counted in the background (admin-counts.spec): count the rows inserted above now.
    await t.app.get(ConnectionCountsService).refresh({ force: true });
    await t.app.get(KeyUsageService).refresh({ force: true });
    const res = await get('/admin/api/summary').expect(200);
    expect(res.body.totals).toEqual({ platform: 'all', total: 30, active: 27, needsReauth: 3, failing: expect.any(Number), expiring: expect.any(Number) });
    expect(res.body.platforms.map((p: { platform: string }) => p.platform)).toEqual(['alpha', 'beta']);
    expect(res.body.hourly).toHaveLength(24);
    expect(res.body.valuesByKeyId).toEqual({ k1: 60 });
    expect(JSON.stringify(res.body)).not.toMatch(/at-\d|rt-\d/);
  });

  it('filters by platform, status, user id prefix and account substring', async () => {
    expect(await ids('platform=beta&limit=200')).toHaveLength(10);
    expect(await ids('status=needs_reauth')).toEqual(expect.arrayContaining(['user-09', 'user-19', 'user-29']));
    expect(await ids('status=needs_reauth')).toHaveLength(3);
    const failing = await ids('status=failing&limit=200');
    expect(failing.sort()).toEqual(['user-04', 'user-14', 'user-24']);
    expect((await ids('userId=user-1&limit=200')).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `user-1${i}`));
    expect(await ids('account=jane')).toEqual(['user-07']);
    expect(await ids('account=acct-2')).toEqual(expect.arrayContaining(['user-02', 'user-20', 'user-29']));
    expect(await ids('userId=%25')).toEqual([]); // LIKE wildcards are literal
    const rows = (await get('/admin/api/connections?limit=1').expect(200)).body.items;
    expect(Object.keys(rows[0]).sort()).toEqual(
      [
        'accessTokenExpiresAt',
        'accountId',
        'connectedAt',
        'consecutiveFailures',
        'expiring',
        'id',
        'label',
        'lastErrorClass',
        'lastRefreshedAt',
        'missingScopes',
        'nextRetryAt',
        'platform',
        'reconnectCount',
        'reconnectedAt',
        'refreshTokenExpiresAt',
        'status',
        'userId',
        'username',
      ].sort(),
    );
  });

  it.each(['expiry', 'failures', 'connected', 'last_refresh'])('paginates by %s without duplicates or gaps while rows change', async (sort) => {
    for (const order of ['asc', 'desc']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let page = 0;
      const original = new Set<string>((await t.dataSource.query('SELECT user_id FROM connections')).map((r: { user_id: string }) => r.user_id));
      do {
        const res: request.Response = await get(`/admin/api/connections?sort=${sort}&order=${order}&limit=7${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
        seen.push(...res.body.items.map((r: { userId: string }) => r.userId));
        cursor = res.body.nextCursor;
        if (page++ === 1) {
          // A row inserted mid-way must not shift pages: nothing repeats, nothing is skipped.
          await t.dataSource.getRepository(Connection).insert({
            userId: `late-${sort}-${order}`,
            platform: 'alpha',
            accessToken: Secret.fromPlaintext('x'),
            scopes: [],
            accessTokenExpiresAt: new Date(Date.now() + 100 * HOUR),
          });
        }
      } while (cursor && page < 20);
      expect(new Set(seen).size).toBe(seen.length);
      for (const u of original) expect(seen).toContain(u);
    }
    await t.dataSource.query(`DELETE FROM connections WHERE user_id LIKE 'late-%'`);
  });

  it('rejects bad cursors and parameters with 400', async () => {
    expect((await get('/admin/api/connections?cursor=garbage').expect(400)).body.error).toBe('invalid_cursor');
    const other = (await get('/admin/api/connections?sort=failures&limit=1').expect(200)).body.nextCursor;
    expect((await get(`/admin/api/connections?sort=expiry&cursor=${other}`).expect(400)).body.error).toBe('invalid_cursor');
    expect((await get('/admin/api/connections?limit=5000').expect(400)).body.error).toBe('validation_failed');
    expect((await get('/admin/api/connections?sort=password').expect(400)).body.error).toBe('validation_failed');
    expect((await get('/admin/api/connections/not-a-uuid').expect(400)).body.error).toBe('validation_failed');
    expect((await get('/admin/api/connections/00000000-0000-4000-8000-000000000000').expect(404)).body.error).toBe('connection_not_found');
  });

  it('forces a refresh through the single-flight path, with a cooldown, and shows it in the detail', async () => {
    const [{ id }] = await t.dataSource.query(`SELECT id FROM connections WHERE user_id = 'user-01'`);
    const res = await request(t.url).post(`/admin/api/connections/${id}/refresh`).set('Authorization', admin).expect(200);
    expect(res.body).toMatchObject({ id, refreshed: true, consecutiveFailures: 0 });
    expect(new Date(res.body.accessTokenExpiresAt).getTime()).toBeGreaterThan(Date.now() + HOUR);
    expect(JSON.stringify(res.body)).not.toContain('new-rt-1');
    const again = await request(t.url).post(`/admin/api/connections/${id}/refresh`).set('Authorization', admin).expect(429);
    expect(again.body.error).toBe('refresh_cooldown');
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
    const detail = (await get(`/admin/api/connections/${id}`).expect(200)).body;
    expect(detail.history[0]).toMatchObject({ trigger: 'admin', outcome: 'success' });
    expect(detail.scopes).toEqual(['read']);
    const [dead] = await t.dataSource.query(`SELECT id FROM connections WHERE user_id = 'user-09'`);
    expect((await request(t.url).post(`/admin/api/connections/${dead.id}/refresh`).set('Authorization', admin).expect(409)).body.error).toBe('reauth_required');
  });

  it('lists refresh failures with filters and redacted messages', async () => {
    const [{ id }] = await t.dataSource.query(`SELECT id FROM connections WHERE user_id = 'user-02'`);
    failing = true;
    const res = await request(t.url).post(`/admin/api/connections/${id}/refresh`).set('Authorization', admin).expect(200);
    failing = false;
    expect(res.body).toMatchObject({ refreshed: false, consecutiveFailures: 1, lastErrorClass: 'transient' });
    const page = (await get(`/admin/api/refresh-failures?connectionId=${id}`).expect(200)).body;
    expect(page.items).toEqual([
      expect.objectContaining({ connectionId: id, trigger: 'admin', failureClass: 'transient', providerCode: 'server_error', httpStatus: 500 }),
    ]);
    expect((await get('/admin/api/refresh-failures?failureClass=invalid_grant').expect(200)).body.items).toEqual([]);
    expect((await get('/admin/api/refresh-failures?platform=alpha&from=2000-01-01T00:00:00Z').expect(200)).body.items.length).toBeGreaterThan(0);
    expect((await get(`/admin/api/connections/${id}`).expect(200)).body.failures).toHaveLength(1);
  });

  it('disconnects a connection as the user would', async () => {
    const [{ id }] = await t.dataSource.query(`SELECT id FROM connections WHERE user_id = 'user-03'`);
    await request(t.url).delete(`/admin/api/connections/${id}`).set('Authorization', admin).expect(200, { connected: false });
    await get(`/admin/api/connections/${id}`).expect(404);
  });

  it('lists internal-token audit records', async () => {
    await request(t.url)
      .post('/social/alpha/internal-token')
      .set('Authorization', `Bearer ${t.serviceToken('publisher')}`)
      .send({ userId: 'user-05' })
      .expect(200);
    const { TokenAuditService } = await import('../../src/internal/token-audit.service.js');
    await t.app.get(TokenAuditService).flush();
    const page = (await get('/admin/api/audit?service=publisher').expect(200)).body;
    expect(page.items[0]).toMatchObject({ service: 'publisher', userId: 'user-05', platform: 'alpha' });
  });

  describe('cookie sessions for the admin UI', () => {
    function signIn(password = 'correct horse battery', email = 'ops@example.com', ip?: string) {
      const r = request(t.url).post('/admin/api/session');
      if (ip) r.set('X-Forwarded-For', ip);
      return r.send({ email, password });
    }

    it('signs in with an HttpOnly SameSite=Strict cookie, and requires the CSRF token for changes', async () => {
      const res = await signIn().expect(200);
      const cookie = res.headers['set-cookie']![0]!;
      expect(cookie).toMatch(/^oc_admin=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=7200/);
      const jar = cookie.split(';')[0]!;
      const first = res.body.csrfToken as string;
      // GET /admin/api/session issues a fresh CSRF token (only its hash is stored); the previous one stops working.
      const current = (await request(t.url).get('/admin/api/session').set('Cookie', jar).expect(200)).body;
      expect(current).toMatchObject({ email: 'ops@example.com', csrfToken: expect.stringMatching(/^[0-9a-f]{64}$/), expiresAt: res.body.expiresAt });
      const csrf = current.csrfToken as string;
      expect(csrf).not.toBe(first);
      await request(t.url).get('/admin/api/summary').set('Cookie', jar).expect(200);
      const [{ id }] = await t.dataSource.query(`SELECT id FROM connections WHERE user_id = 'user-06'`);
      const missing = (await request(t.url).post(`/admin/api/connections/${id}/refresh`).set('Cookie', jar).expect(403)).body;
      expect(missing).toMatchObject({ error: 'csrf_failed', message: expect.stringMatching(/CSRF/) });
      await request(t.url).post(`/admin/api/connections/${id}/refresh`).set('Cookie', jar).set('X-CSRF-Token', 'wrong').expect(403);
      await request(t.url).post(`/admin/api/connections/${id}/refresh`).set('Cookie', jar).set('X-CSRF-Token', first).expect(403);
      await request(t.url).post(`/admin/api/connections/${id}/refresh`).set('Cookie', jar).set('X-CSRF-Token', csrf).expect(200);
      const out = await request(t.url).delete('/admin/api/session').set('Cookie', jar).set('X-CSRF-Token', csrf).expect(200);
      expect(out.headers['set-cookie']![0]).toMatch(/^oc_admin=; .*Max-Age=0/);
      await request(t.url).get('/admin/api/summary').set('Cookie', jar).expect(401); // ended on the server, not only in the browser
    });

    it('rejects wrong passwords and tampered cookies without saying which part was wrong', async () => {
      expect((await signIn('wrong password!').expect(401)).body.message).toBe('Wrong email or password');
      expect((await signIn('whatever', 'nobody@example.com').expect(401)).body.message).toBe('Wrong email or password');
      await request(t.url).get('/admin/api/summary').set('Cookie', 'oc_admin=eyJhbGciOiJIUzI1NiJ9.e30.x').expect(401);
      await request(t.url)
        .get('/admin/api/summary')
        .set('Cookie', `oc_admin=${t.userToken('root', { admin: true })}`)
        .expect(401); // a bearer token is not a cookie session
    });

    it('rate-limits sign-in attempts per account', async () => {
      await t.app.get(AdminSessionService).createAdmin('target@example.com', 'a long enough password');
      for (let i = 0; i < 5; i++) await signIn('nope', 'target@example.com').expect(401);
      const blocked = await signIn('a long enough password', 'target@example.com').expect(429);
      expect(blocked.body.error).toBe('too_many_attempts');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});
