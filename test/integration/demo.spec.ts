// The development `demo` platform (an OAuth 2.1 server inside the service, src/demo) driven over
// HTTP exactly as a browser and a backend job would, plus the reference settings page. When it is
// configured at all is test/unit/demo-provider-config.spec.ts.
import { createServer } from 'node:net';
import request from 'supertest';
import { Connection } from '../../src/connections/connection.entity.js';
import type { ProviderConfig } from '../../src/providers/provider.types.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const unescapeHtml = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));

describe('demo provider', () => {
  let t: TestApp;
  let demo: ProviderConfig;
  let issuer: string;

  beforeAll(async () => {
    // APP_URL builds the demo provider's URLs, so it must be where the app really listens.
    const port = await freePort();
    t = await startTestApp({
      env: { DEMO_PROVIDER: 'on', DEMO_ACCESS_TOKEN_TTL: '5m', PORT: String(port), APP_URL: `http://127.0.0.1:${port}`, REFRESH_CRON: 'off' },
    });
    demo = t.config.providers.find((p) => p.id === 'demo')!;
    issuer = `${t.url}/demo-provider`;
  });
  afterAll(() => t?.close());

  const auth = (user: string) => ({ Authorization: `Bearer ${t.userToken(user)}` });
  const repo = () => t.dataSource.getRepository(Connection);
  const internalToken = (user: string) =>
    request(t.url)
      .post('/social/demo/internal-token')
      .set('Authorization', `Bearer ${t.serviceToken('publisher')}`)
      .send({ userId: user });
  const userinfo = (accessToken: string) => fetch(`${issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  const tokenRequest = (form: Record<string, string>) =>
    fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form, client_id: demo.clientId, client_secret: demo.clientSecret }),
    });
  const expireSoon = (user: string) =>
    t.dataSource.query(
      `UPDATE connections SET access_token_issued_at = now() - interval '1 hour', access_token_expires_at = now() + interval '60 seconds', next_retry_at = NULL WHERE user_id = $1`,
      [user],
    );

  async function connectUrl(user: string): Promise<string> {
    const { url } = (await request(t.url).get('/social/demo/connect-url').set(auth(user)).expect(200)).body as { url: string };
    return url;
  }

  /** Opens the consent page like a browser, submits its form, and returns where it redirects. */
  async function consent(authorizeUrl: string, decision: 'allow' | 'deny', account: string): Promise<URL> {
    const page = await fetch(authorizeUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('Demo account name');
    const form = new URLSearchParams();
    for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(name!, unescapeHtml(value!));
    form.set('account', account);
    form.set('decision', decision);
    const res = await fetch(new URL('authorize', authorizeUrl), { method: 'POST', body: form, redirect: 'manual' });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  }

  async function connect(user: string, account: string): Promise<Connection> {
    const back = await consent(await connectUrl(user), 'allow', account);
    expect(`${back.origin}${back.pathname}`).toBe(t.config.oauthRedirectUri);
    expect(back.searchParams.get('iss')).toBe(issuer);
    const body = { code: back.searchParams.get('code'), state: back.searchParams.get('state'), iss: back.searchParams.get('iss') };
    const res = await request(t.url).post('/social/demo/connect').set(auth(user)).send(body).expect(200);
    expect(res.body).toEqual({
      connected: true,
      connectionId: expect.any(String),
      platform: 'demo',
      accountId: account,
      username: account,
      reconnected: false,
      missingScopes: [],
    });
    return repo().findOneByOrFail({ userId: user, platform: 'demo' });
  }

  it('is listed with the platforms and publishes its metadata', async () => {
    const platforms = (await request(t.url).get('/social/platforms').expect(200)).body;
    expect(platforms).toContainEqual({ id: 'demo', displayName: 'Demo provider', scopes: ['profile', 'offline_access'], assetKinds: [] });
    const meta = (await request(t.url).get('/demo-provider/.well-known/oauth-authorization-server').expect(200)).body;
    expect(meta).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      revocation_endpoint: `${issuer}/revoke`,
      userinfo_endpoint: `${issuer}/userinfo`,
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      authorization_response_iss_parameter_supported: true,
    });
    expect(meta.registration_endpoint).toBeUndefined();
  });

  it('authorize requires the registered client and redirect URI, and PKCE S256', async () => {
    const url = new URL(await connectUrl('pkce'));
    expect(`${url.origin}${url.pathname}`).toBe(`${issuer}/authorize`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const variant = (change: (q: URLSearchParams) => void) => {
      const u = new URL(url);
      change(u.searchParams);
      return request(t.url).get(`${u.pathname}${u.search}`);
    };
    expect((await variant((q) => q.set('client_id', 'someone-else')).expect(400)).body.error).toBe('invalid_client');
    expect((await variant((q) => q.set('redirect_uri', 'http://127.0.0.1:1/evil')).expect(400)).body.error).toBe('invalid_request');
    for (const change of [(q: URLSearchParams) => q.delete('code_challenge'), (q: URLSearchParams) => q.set('code_challenge_method', 'plain')]) {
      const res = await variant(change).expect(302);
      const back = new URL(res.headers.location!);
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('state')).toBe(url.searchParams.get('state'));
    }
  });

  it('connects through the consent page; the service then hands the access token to backend jobs', async () => {
    const c = await connect('user-1', 'alice');
    const status = (await request(t.url).get('/social/demo/status').set(auth('user-1')).expect(200)).body;
    expect(status).toMatchObject({ connected: true, platform: 'demo', username: 'alice', accountId: 'alice', status: 'active' });
    expect(c.refreshToken).not.toBeNull();
    const lifetime = c.accessTokenExpiresAt!.getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(290_000);
    expect(lifetime).toBeLessThanOrEqual(300_000);
    const token = (await internalToken('user-1').expect(200)).body.accessToken;
    expect(token).toBe(c.accessToken.reveal());
    const me = await userinfo(token);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ sub: 'alice', preferred_username: 'alice', name: 'alice (demo)' });
  });

  it('refreshes with rotation when the token nears expiry; the old refresh token is then refused', async () => {
    const before = await repo().findOneByOrFail({ userId: 'user-1', platform: 'demo' });
    const oldRefresh = before.refreshToken!.reveal();
    await expireSoon('user-1');
    const fresh = (await internalToken('user-1').expect(200)).body.accessToken;
    expect(fresh).not.toBe(before.accessToken.reveal());
    const after = await repo().findOneByOrFail({ id: before.id });
    expect(after.accessToken.reveal()).toBe(fresh);
    expect(after.tokenVersion).toBe(before.tokenVersion + 1);
    const newRefresh = after.refreshToken!.reveal();
    expect(newRefresh).not.toBe(oldRefresh);
    expect((await userinfo(fresh)).status).toBe(200);

    const reuse = await tokenRequest({ grant_type: 'refresh_token', refresh_token: oldRefresh });
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant');
    // Reuse detection (OAuth 2.1) revoked the whole grant: the current tokens are dead too.
    expect((await userinfo(fresh)).status).toBe(401);
    expect((await tokenRequest({ grant_type: 'refresh_token', refresh_token: newRefresh })).status).toBe(400);
  });

  it('a denied consent comes back as access_denied', async () => {
    const back = await consent(await connectUrl('user-3'), 'deny', 'carol');
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('code')).toBeNull();
    expect(back.searchParams.get('iss')).toBe(issuer);
    const res = await request(t.url)
      .post('/social/demo/connect')
      .set(auth('user-3'))
      .send({ error: 'access_denied', state: back.searchParams.get('state') })
      .expect(400);
    expect(res.body.error).toBe('access_denied');
    expect((await request(t.url).get('/social/demo/status').set(auth('user-3')).expect(200)).body).toEqual({
      connected: false,
      platform: 'demo',
      connections: [],
    });
  });

  it('_failures makes the next refresh fail: the connection stays active and the failure is recorded', async () => {
    const c = await connect('user-2', 'bob');
    await request(t.url).post('/demo-provider/_failures').send({ count: -1 }).expect(400);
    const set = await request(t.url).post('/demo-provider/_failures').send({ count: 1, status: 503 }).expect(200);
    expect(set.body).toEqual({ remaining: 1, status: 503, error: 'temporarily_unavailable' });
    await expireSoon('user-2');
    expect((await internalToken('user-2').expect(200)).body.accessToken).toBe(c.accessToken.reveal()); // still valid for 60 s
    const failed = await repo().findOneByOrFail({ id: c.id });
    expect({ status: failed.status, failures: failed.consecutiveFailures, error: failed.lastRefreshError }).toEqual({
      status: 'active',
      failures: 1,
      error: 'transient',
    });
    const recorded = await t.dataSource.query('SELECT failure_class, provider_code, http_status FROM refresh_failures WHERE connection_id = $1', [c.id]);
    expect(recorded).toEqual([{ failure_class: 'transient', provider_code: 'temporarily_unavailable', http_status: 503 }]);
    // The failure was used up: the next attempt refreshes and heals the connection.
    await expireSoon('user-2');
    const healed = (await internalToken('user-2').expect(200)).body.accessToken;
    expect(healed).not.toBe(c.accessToken.reveal());
    expect((await repo().findOneByOrFail({ id: c.id })).consecutiveFailures).toBe(0);
  });

  it('disconnect revokes the grant at the provider', async () => {
    const c = await repo().findOneByOrFail({ userId: 'user-2', platform: 'demo' });
    const access = c.accessToken.reveal();
    expect((await userinfo(access)).status).toBe(200);
    expect((await request(t.url).delete('/social/demo/disconnect').set(auth('user-2')).expect(200)).body).toEqual({ connected: false, disconnected: 1 });
    const after = await userinfo(access);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect((await tokenRequest({ grant_type: 'refresh_token', refresh_token: c.refreshToken!.reveal() })).status).toBe(400);
    expect((await request(t.url).get('/social/demo/status').set(auth('user-2')).expect(200)).body.connected).toBe(false);
  });

  it('revocation authenticates the client (RFC 7009)', async () => {
    const res = await fetch(`${issuer}/revoke`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'x', client_id: demo.clientId, client_secret: 'wrong' }),
    });
    expect(res.status).toBe(401);
    const unknown = await fetch(`${issuer}/revoke`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'not-a-token', client_id: demo.clientId, client_secret: demo.clientSecret }),
    });
    expect(unknown.status).toBe(200);
  });

  it('serves the reference settings page, its script and a development session', async () => {
    const page = await request(t.url).get('/my/settings/social').expect(200).expect('content-type', /html/);
    expect(page.text).toContain('<script type="module" src="social.js"></script>');
    expect(page.text).toContain('data-dev-session="/my/dev-session"');
    expect(page.text).not.toMatch(/<script>/); // no inline script
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self';/); // stricter than the app-wide policy
    const script = await request(t.url)
      .get('/my/settings/social.js')
      .expect(200)
      .expect('content-type', /javascript/);
    for (const call of [
      '/social/platforms',
      '/social/connections',
      '/connect-url',
      '/connect`',
      'DELETE',
      'OAUTH_CONNECTIONS_SESSION',
      'sessionStorage',
      'oauth-connections:connect',
      'window.confirm',
    ])
      expect(script.text).toContain(call);
    expect(script.text).not.toContain('sourceMappingURL');

    await request(t.url).get('/my/dev-session').expect(400);
    const { token, userId } = (await request(t.url).get('/my/dev-session?userId=page-user').expect(200)).body;
    expect(userId).toBe('page-user');
    const status = await request(t.url).get('/social/demo/status').set('Authorization', `Bearer ${token}`).expect(200);
    expect(status.body).toEqual({ connected: false, platform: 'demo', connections: [] });
  });
});
