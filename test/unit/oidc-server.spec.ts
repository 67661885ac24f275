// Proves the in-process authorization server harness speaks standard OAuth 2.0 using only fetch.
import { createHash, randomBytes } from 'node:crypto';
import { type OidcServer, startOidcServer } from '../helpers/oidc-server.js';

const REDIRECT_URI = 'http://127.0.0.1:9/oauth/callback';

type TokenResponse = { access_token?: string; refresh_token?: string; token_type?: string; expires_in?: number; scope?: string; error?: string };

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizationUrl(server: OidcServer, state: string, challenge: string): string {
  const url = new URL(server.authorizationUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: server.clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access api',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    prompt: 'consent',
  }).toString();
  return url.toString();
}

async function tokenRequest(server: OidcServer, params: Record<string, string>) {
  const res = await fetch(server.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({ ...params, client_id: server.clientId, client_secret: server.clientSecret }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as TokenResponse };
}

async function connect(server: OidcServer, accountId: string) {
  const { verifier, challenge } = pkce();
  const callback = await server.authorize(authorizationUrl(server, `state-${accountId}`, challenge), accountId);
  const res = await tokenRequest(server, { grant_type: 'authorization_code', code: callback.code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
  expect(res.status).toBe(200);
  return res.body;
}

describe('oidc-server test harness', () => {
  let server: OidcServer;

  beforeEach(async () => {
    server = await startOidcServer({ redirectUris: [REDIRECT_URI] });
  });

  afterEach(async () => {
    await server.close();
  });

  it('runs the authorization code flow with PKCE and returns code, state and iss', async () => {
    expect(server.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { verifier, challenge } = pkce();
    const callback = await server.authorize(authorizationUrl(server, 'state-1', challenge), 'alice');
    expect(callback).toEqual({ code: expect.any(String), state: 'state-1', iss: server.issuer });

    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', code: callback.code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    expect(tokens.body.scope?.split(' ').sort()).toEqual(['api', 'offline_access', 'openid']);

    const introspection = await server.introspect(tokens.body.access_token!);
    expect(introspection).toMatchObject({ active: true, sub: 'alice', client_id: server.clientId, iss: server.issuer });

    const userinfo = await fetch(server.userInfoUrl, { headers: { authorization: `Bearer ${tokens.body.access_token}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toEqual({ sub: 'alice' }); // only 'openid' was asked for among claim scopes

    // An authorization code is single use.
    const replay = await tokenRequest(server, { grant_type: 'authorization_code', code: callback.code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(server.counts()).toEqual({ tokenRequests: { authorization_code: 2 }, revocations: 0 });
  });

  it('rotates refresh tokens and rejects the previous one', async () => {
    const first = await connect(server, 'bob');
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).toEqual(expect.any(String));
    expect(refreshed.body.refresh_token).toEqual(expect.any(String));
    expect(refreshed.body.refresh_token).not.toBe(first.refresh_token);
    expect(refreshed.body.access_token).not.toBe(first.access_token);
    expect(await server.introspect(refreshed.body.refresh_token!)).toMatchObject({ active: true, sub: 'bob' });

    const reused = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // Reuse detection: oidc-provider then revokes the whole grant, including the rotated token.
    expect(await server.introspect(refreshed.body.refresh_token!)).toEqual({ active: false });
    expect(server.counts().tokenRequests).toEqual({ authorization_code: 1, refresh_token: 2 });
  });

  it('revokes a refresh token', async () => {
    const first = await connect(server, 'carol');
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    const token = refreshed.body.refresh_token!;
    const res = await fetch(server.revocationUrl, {
      method: 'POST',
      body: new URLSearchParams({ token, token_type_hint: 'refresh_token', client_id: server.clientId, client_secret: server.clientSecret }),
    });
    expect(res.status).toBe(200);
    expect(await server.introspect(token)).toEqual({ active: false });
    const afterRevocation = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: token });
    expect(afterRevocation).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(server.counts()).toEqual({ tokenRequests: { authorization_code: 1, refresh_token: 2 }, revocations: 1 });
  });

  it('enforces the PKCE code verifier', async () => {
    const { challenge } = pkce();
    const callback = await server.authorize(authorizationUrl(server, 'state-pkce', challenge), 'dave');
    const res = await tokenRequest(server, {
      grant_type: 'authorization_code',
      code: callback.code,
      redirect_uri: REDIRECT_URI,
      code_verifier: pkce().verifier,
    });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('requires PKCE on the authorization request', async () => {
    const url = new URL(authorizationUrl(server, 'state-no-pkce', 'x'));
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const callback = await server.authorize(url.toString(), 'erin');
    expect(callback).toMatchObject({ error: 'invalid_request', state: 'state-no-pkce' });
  });

  it('reports a denied consent as access_denied with the state', async () => {
    const callback = await server.deny(authorizationUrl(server, 'state-deny', pkce().challenge), 'frank');
    expect(callback).toMatchObject({ error: 'access_denied', state: 'state-deny', iss: server.issuer });
    expect(callback.code).toBeUndefined();
  });

  it('fails the next token requests on demand, then recovers', async () => {
    const first = await connect(server, 'grace');
    server.failNext(1, { status: 503, body: { error: 'temporarily_unavailable' }, headers: { 'Retry-After': '7' } });
    const failed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('7');
    expect(failed.body).toEqual({ error: 'temporarily_unavailable' });

    // The intercepted request never reached the provider, so the refresh token is still valid.
    const ok = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    expect(ok.status).toBe(200);
    expect(server.counts().tokenRequests).toEqual({ authorization_code: 1, refresh_token: 2 });
  });

  it('goes down for every token request until it recovers', async () => {
    const first = await connect(server, 'ivan');
    const before = server.counts().tokenRequests.refresh_token ?? 0;
    server.setDown({ status: 503, body: { error: 'temporarily_unavailable' } });
    for (let i = 0; i < 3; i++) {
      const failed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
      expect({ status: failed.status, body: failed.body }).toEqual({ status: 503, body: { error: 'temporarily_unavailable' } });
    }
    server.setDown();
    const ok = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    expect(ok.status).toBe(200);
    expect(server.counts().tokenRequests.refresh_token).toBe(before + 4);
  });

  it('can delay a failure long enough for a client timeout', async () => {
    const first = await connect(server, 'heidi');
    server.failNext(1, { status: 500, raw: '<html>gateway</html>', delayMs: 5_000 });
    const before = server.counts().tokenRequests.refresh_token ?? 0;
    const timedOut = fetch(server.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token!,
        client_id: server.clientId,
        client_secret: server.clientSecret,
      }),
      signal: AbortSignal.timeout(200),
    });
    // The request arrived, and the client's own timeout ended it: had the 500 been sent, fetch would have resolved with it.
    await expect(timedOut).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(server.counts().tokenRequests.refresh_token).toBe(before + 1);
  });

  it('supports client_secret_basic and non-rotating refresh tokens', async () => {
    const basic = await startOidcServer({
      redirectUris: [REDIRECT_URI],
      tokenEndpointAuthMethod: 'client_secret_basic',
      rotateRefreshToken: false,
      accessTokenTtl: 60,
    });
    try {
      const { verifier, challenge } = pkce();
      const callback = await basic.authorize(authorizationUrl(basic, 'state-basic', challenge), 'ivan');
      const authorization = `Basic ${Buffer.from(`${basic.clientId}:${basic.clientSecret}`).toString('base64')}`;
      const exchange = async (params: Record<string, string>) => {
        const res = await fetch(basic.tokenUrl, { method: 'POST', headers: { authorization }, body: new URLSearchParams(params) });
        return { status: res.status, body: (await res.json()) as TokenResponse };
      };
      const tokens = await exchange({ grant_type: 'authorization_code', code: callback.code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
      expect(tokens).toMatchObject({ status: 200, body: { expires_in: 60, refresh_token: expect.any(String) } });
      const refreshed = await exchange({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token! });
      expect(refreshed).toMatchObject({ status: 200, body: { refresh_token: tokens.body.refresh_token } });
      expect(await basic.introspect(refreshed.body.access_token!)).toMatchObject({ active: true, sub: 'ivan' });
    } finally {
      await basic.close();
    }
  });
});
