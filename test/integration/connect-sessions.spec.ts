import request from 'supertest';
import { startOidcServer, type OidcServer } from '../helpers/oidc-server.js';
import { oidcProviderEntry, REDIRECT_URI, writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// Hosted connect (connect sessions), over HTTP against the real authorization server: a backend
// creates a link, the page lists the platforms, the form starts the provider flow with the
// service's own callback, and the result goes to the app's returnUrl. Browsers: test/e2e/hosted-connect.spec.ts.

const APP_URL = 'http://localhost:3000'; // the callback registered at the authorization server; requests go to t.url
const CALLBACK = `${APP_URL}/connect/callback`;
const RETURN = 'https://app.example.com/settings/social';

describe('connect sessions', () => {
  let as: OidcServer;
  let t: TestApp;
  const svc = (opts?: { platforms?: string[] }) => `Bearer ${t.serviceToken('backend', opts)}`;

  beforeAll(async () => {
    as = await startOidcServer({ redirectUris: [REDIRECT_URI, CALLBACK] });
    const file = writeProvidersFile({
      acme: oidcProviderEntry(as),
      pub: oidcProviderEntry(as, { displayName: 'Publisher', requiredScopes: ['api'] }),
    });
    t = await startTestApp({
      env: {
        APP_URL,
        PROVIDERS_FILE: file,
        ACME_CLIENT_SECRET: as.clientSecret,
        OAUTH_REDIRECT_URI: REDIRECT_URI,
        CONNECT_RETURN_URLS: 'https://app.example.com/settings/, http://127.0.0.1:9',
        REFRESH_CRON: 'off',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await as?.close();
  });

  const create = (body: Record<string, unknown>, auth = svc()) => request(t.url).post('/connect-sessions').set('Authorization', auth).send(body);
  async function session(body: Record<string, unknown> = {}) {
    const res = await create({ userId: 'hana', returnUrl: RETURN, ...body });
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 201, error: undefined });
    return res.body as { token: string; url: string; expiresAt: string; platforms: string[] };
  }
  const page = (token: string) => request(t.url).get(`/connect/${token}`);
  const choose = (token: string, platform: string, popup = '0') => request(t.url).post(`/connect/${token}`).type('form').send({ platform, popup }).redirects(0);
  /** The whole flow as a browser walks it: choose, consent at the provider, come back; the callback's answer. */
  async function walk(token: string, platform: string, account: string, opts: { popup?: boolean; deny?: boolean } = {}) {
    const started = await choose(token, platform, opts.popup ? '1' : '0');
    expect(started.status).toBe(303);
    const authorizeUrl = started.headers.location as string;
    expect(new URL(authorizeUrl).searchParams.get('redirect_uri')).toBe(CALLBACK);
    const params = opts.deny ? await as.deny(authorizeUrl, account) : await as.authorize(authorizeUrl, account);
    return request(t.url).get('/connect/callback').query(params);
  }
  /** Where the result page sends the browser (its meta refresh). */
  const next = (html: string) => {
    const m = /http-equiv="refresh" content="0; url=([^"]+)"/.exec(html);
    return m ? new URL(m[1]!.replace(/&#38;/g, '&')) : undefined;
  };
  const connections = async (sub: string) =>
    (
      await request(t.url)
        .get('/social/connections')
        .set('Authorization', `Bearer ${t.userToken(sub)}`)
        .expect(200)
    ).body as {
      connectionId: string;
      platform: string;
      accountId: string;
    }[];

  it('creates a single-use link whose token is stored only as its hash', async () => {
    const s = await session({ platforms: ['acme'] });
    expect(s.token).toMatch(/^[0-9a-f]{64}$/);
    expect(s.url).toBe(`${APP_URL}/connect/${s.token}`);
    expect(s.platforms).toEqual(['acme']);
    const ttl = new Date(s.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(29 * 60_000);
    expect(ttl).toBeLessThanOrEqual(30 * 60_000);
    const rows = (await t.dataSource.query('SELECT * FROM connect_sessions')) as Record<string, unknown>[];
    expect(JSON.stringify(rows)).not.toContain(s.token);
    expect(rows.some((r) => String(r.token_hash).length === 64 && r.created_by === 'backend')).toBe(true);
  });

  it('offers every enabled platform by default, within the service token’s platforms claim', async () => {
    expect((await session()).platforms.sort()).toEqual(['acme', 'pub']);
    const limited = await create({ userId: 'hana', returnUrl: RETURN }, svc({ platforms: ['pub'] }));
    expect(limited.body.platforms).toEqual(['pub']);
    const refused = await create({ userId: 'hana', returnUrl: RETURN, platforms: ['acme'] }, svc({ platforms: ['pub'] }));
    expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 403, error: 'forbidden' });
  });

  it.each([
    'https://app.example.com.evil.com/settings/social',
    'https://app.example.com@evil.com/settings/social',
    'https://app.example.com/other-page',
    '//evil.com/settings/',
    'javascript:alert(1)',
    'http://app.example.com/settings/social',
    'https://app.example.com:444/settings/social',
    'https://u:p@app.example.com/settings/social',
    'http://127.0.0.1:10/',
  ])('refuses the returnUrl %s with 400 return_url_not_allowed', async (returnUrl) => {
    const res = await create({ userId: 'hana', returnUrl });
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 400, error: 'return_url_not_allowed' });
  });

  it('refuses unknown platforms, foreign connections, and scopes without exactly one platform', async () => {
    const cases = [
      [{ platforms: ['nope'] }, 404, 'unknown_platform'],
      [{ connectionId: '00000000-0000-4000-8000-000000000000' }, 404, 'not_connected'],
      [{ scopes: ['extra'] }, 400, 'validation_failed'],
      [{ platforms: ['acme', 'pub'], scopes: ['extra'] }, 400, 'validation_failed'],
      [{ platforms: 'acme' }, 400, 'validation_failed'],
    ] as const;
    for (const [body, status, error] of cases) {
      const res = await create({ userId: 'hana', returnUrl: RETURN, ...body });
      expect({ body, status: res.status, error: res.body.error }).toEqual({ body, status, error });
    }
    expect((await request(t.url).post('/connect-sessions').send({ userId: 'x', returnUrl: RETURN })).status).toBe(401);
    expect((await create({ userId: 'x', returnUrl: RETURN }, `Bearer ${t.userToken('x')}`)).status).toBe(401);
  });

  it('serves the page with display names, no inline script, and a clear page for unknown links', async () => {
    const s = await session();
    const res = await page(s.token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('Continue with Acme ID');
    expect(res.text).toContain('Continue with Publisher');
    expect(res.text).toContain('name="viewport"');
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.headers['content-security-policy']).toContain(`form-action 'self' ${new URL(as.authorizationUrl).origin}`);
    expect(res.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    expect(res.headers['cache-control']).toBe('no-store');

    const tampered = s.token.slice(0, -1) + (s.token.endsWith('0') ? '1' : '0');
    for (const token of [tampered, 'not-a-token', 'x'.repeat(300)]) {
      const bad = await page(token);
      expect({ status: bad.status, title: /<h1[^>]*>([^<]+)/.exec(bad.text)?.[1] }).toEqual({ status: 404, title: 'This link is not valid' });
      expect(bad.text).not.toContain('app.example.com'); // nothing about a session it does not know
    }
  });

  it('connects through the hosted flow and sends the browser back to returnUrl with the result', async () => {
    const s = await session({ platforms: ['acme'], userId: 'ivo' });
    const done = await walk(s.token, 'acme', 'ivo-account');
    expect(done.status).toBe(200);
    const back = next(done.text)!;
    expect(back.origin + back.pathname).toBe(RETURN);
    expect(Object.fromEntries(back.searchParams)).toEqual({ status: 'connected', connectionId: expect.any(String), platform: 'acme' });
    expect(await connections('ivo')).toEqual([expect.objectContaining({ connectionId: back.searchParams.get('connectionId'), accountId: 'ivo-account' })]);
    // The link and the state are spent: the page says so (with a way back), the callback too.
    const again = await page(s.token);
    expect({ status: again.status, title: /<h1[^>]*>([^<]+)/.exec(again.text)?.[1] }).toEqual({ status: 410, title: 'This link was already used' });
    expect(again.text).toContain('https://app.example.com/settings/social?status=error&#38;error=session_used');
    expect((await choose(s.token, 'acme')).status).toBe(410);
  });

  it('answers a popup with a page that posts to the opener, restricted to the returnUrl origin', async () => {
    const s = await session({ platforms: ['acme'], userId: 'popup-user' });
    const done = await walk(s.token, 'acme', 'popup-account', { popup: true });
    expect(next(done.text)).toBeUndefined(); // no redirect: the script posts and closes
    const data = (name: string) =>
      /<body([^>]*)>/
        .exec(done.text)![1]!
        .match(new RegExp(`data-${name}="([^"]*)"`))?.[1]
        ?.replace(/&#34;/g, '"');
    expect(data('return-origin')).toBe('https://app.example.com');
    expect(JSON.parse(data('result')!)).toEqual({ status: 'connected', connectionId: (await connections('popup-user'))[0]!.connectionId, platform: 'acme' });
  });

  it('reports a refusal at the provider as status=error', async () => {
    const s = await session({ platforms: ['acme'], userId: 'refuser' });
    const done = await walk(s.token, 'acme', 'refuser-account', { deny: true });
    expect(Object.fromEntries(next(done.text)!.searchParams)).toEqual({ status: 'error', error: 'access_denied', platform: 'acme' });
    expect(await connections('refuser')).toEqual([]);
  });

  it('works as a reconnect link: the same account keeps its connectionId, another is account_mismatch', async () => {
    const first = await session({ platforms: ['acme'], userId: 'reco' });
    const id = next((await walk(first.token, 'acme', 'reco-a')).text)!.searchParams.get('connectionId')!;
    const tokensBefore = (await t.dataSource.query('SELECT access_token FROM connections WHERE id = $1', [id]))[0].access_token;

    const wrong = await session({ userId: 'reco', connectionId: id });
    expect(wrong.platforms).toEqual(['acme']);
    expect((await page(wrong.token)).text).toContain('Reconnect Acme ID');
    expect(Object.fromEntries(next((await walk(wrong.token, 'acme', 'reco-b')).text)!.searchParams)).toEqual({
      status: 'error',
      error: 'account_mismatch',
      platform: 'acme',
    });
    expect((await connections('reco')).map((c) => c.accountId)).toEqual(['reco-a']);

    const right = await session({ userId: 'reco', connectionId: id });
    expect(Object.fromEntries(next((await walk(right.token, 'acme', 'reco-a')).text)!.searchParams)).toEqual({
      status: 'connected',
      connectionId: id,
      platform: 'acme',
    });
    const tokensAfter = (await t.dataSource.query('SELECT access_token FROM connections WHERE id = $1', [id]))[0].access_token;
    expect(tokensAfter).not.toBe(tokensBefore);
  });

  it('refuses an expired link, a platform it does not offer, a replayed callback, and a hosted state posted to the API', async () => {
    const expired = await session({ platforms: ['acme'] });
    await t.dataSource.query(`UPDATE connect_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = encode(sha256($1::bytea), 'hex')`, [
      expired.token,
    ]);
    const res = await page(expired.token);
    expect({ status: res.status, title: /<h1[^>]*>([^<]+)/.exec(res.text)?.[1] }).toEqual({ status: 410, title: 'This link has expired' });
    expect((await choose(expired.token, 'acme')).status).toBe(410);

    const one = await session({ platforms: ['acme'] });
    expect((await choose(one.token, 'pub')).status).toBe(400);
    const started = await choose(one.token, 'acme');
    const params = await as.authorize(started.headers.location as string, 'hana-account');
    // The settings-page API does not take the hosted flow's state (and spends nothing).
    const api = await request(t.url)
      .post('/social/acme/connect')
      .set('Authorization', `Bearer ${t.userToken('hana')}`)
      .send(params);
    expect({ status: api.status, error: api.body.error }).toEqual({ status: 400, error: 'invalid_state' });
    expect((await request(t.url).get('/connect/callback').query(params)).status).toBe(200);
    const replay = await request(t.url).get('/connect/callback').query(params);
    expect({ status: replay.status, title: /<h1[^>]*>([^<]+)/.exec(replay.text)?.[1] }).toEqual({ status: 400, title: 'This sign-in could not be finished' });
    // A connect-url state is not taken by the hosted callback either.
    const { url } = (
      await request(t.url)
        .get('/social/acme/connect-url')
        .set('Authorization', `Bearer ${t.userToken('hana')}`)
        .expect(200)
    ).body;
    const state = new URL(url as string).searchParams.get('state')!;
    expect((await request(t.url).get('/connect/callback').query({ state, code: 'x' })).status).toBe(400);
  });

  it('refuses two starts of one link', async () => {
    const s = await session({ platforms: ['acme'] });
    const [a, b] = await Promise.all([choose(s.token, 'acme'), choose(s.token, 'acme')]);
    expect([a.status, b.status].sort()).toEqual([303, 410]);
  });
});
