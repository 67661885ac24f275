// Google, YouTube, X, LinkedIn and Pinterest (the standard adapter driven by catalogue data) against
// a fake server answering with each provider's documented requests and responses.
import type { IncomingHttpHeaders } from 'node:http';
import { createAdapter } from '../../src/providers/adapters/index.js';
import { ProviderHttpClient } from '../../src/providers/provider-http.client.js';
import type { ProviderConfig } from '../../src/providers/provider.types.js';
import { adapterFromFile, builtInOverrides, type FakeProvider, providerFailure, startFakeProvider } from '../helpers/fake-provider.js';

const REDIRECT = 'https://app.example.com/my/settings/social';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

let fake: FakeProvider;
beforeEach(async () => {
  fake = await startFakeProvider();
});
afterEach(() => fake.close());

const build = (id: string, creds: { clientId: string; clientSecret: string }) => adapterFromFile(id, builtInOverrides(id, fake.url, creds));

/** What a server decoding HTTP Basic client authentication (RFC 6749 §2.3.1) recovers. */
function basicCredentials(headers: IncomingHttpHeaders): { id: string; secret: string } {
  const match = /^Basic (.+)$/.exec(headers.authorization ?? '');
  expect(match).not.toBeNull();
  const decoded = Buffer.from(match![1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  expect(decoded.slice(0, colon)).not.toContain(':'); // a colon inside the id must arrive encoded
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

describe.each(['google', 'youtube'])('Google OAuth (%s)', (id) => {
  const creds = { clientId: '1234-abc.apps.googleusercontent.com', clientSecret: 'GOCSPX-google-secret' };
  const TOKEN = '/token';
  const provider = () => build(id, creds).provider;

  it('asks for offline access with forced consent and PKCE S256', () => {
    const { adapter, provider } = build(id, creds);
    expect(provider.pkce).toBe(true);
    const url = new URL(adapter.authorizationUrl({ state: 'st', redirectUri: REDIRECT, codeChallenge: CHALLENGE }));
    expect(url.pathname).toBe('/o/oauth2/v2/auth');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: creds.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT,
      state: 'st',
      access_type: 'offline',
      prompt: 'consent',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('scope')).toBe(provider.scopes.join(' '));
  });

  it('exchanges the code with credentials and the code_verifier in the body', async () => {
    fake.on('POST', TOKEN, {
      json: {
        access_token: 'ya29.a0',
        expires_in: 3599,
        refresh_token: '1//0g-refresh',
        scope: provider().scopes.join(' '),
        token_type: 'Bearer',
        id_token: 'eyJ.x.y',
      },
    });
    const tokens = await build(id, creds).adapter.exchangeCode({ code: '4/0Acode', redirectUri: REDIRECT, codeVerifier: 'v'.repeat(43) });
    expect(fake.requestsTo('POST', TOKEN)[0]!.form).toEqual({
      grant_type: 'authorization_code',
      code: '4/0Acode',
      redirect_uri: REDIRECT,
      code_verifier: 'v'.repeat(43),
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
    });
    expect(tokens).toMatchObject({ accessToken: 'ya29.a0', refreshToken: '1//0g-refresh', expiresIn: 3599, scopes: provider().scopes });
  });

  it('leaves refreshToken undefined when the refresh answer has none (the caller keeps the old one)', async () => {
    fake.on('POST', TOKEN, { json: { access_token: 'ya29.new', expires_in: 3599, scope: 'openid', token_type: 'Bearer' } });
    const tokens = await build(id, creds).adapter.refresh({ accessToken: 'ya29.a0', refreshToken: '1//0g-refresh' });
    expect(fake.requestsTo('POST', TOKEN)[0]!.form).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: '1//0g-refresh',
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
    });
    expect(tokens.accessToken).toBe('ya29.new');
    expect(tokens.refreshToken).toBeUndefined();
  });

  it('classifies a revoked refresh token (400 invalid_grant) as invalid_grant', async () => {
    fake.on('POST', TOKEN, { status: 400, json: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } });
    expect((await providerFailure(build(id, creds).adapter.refresh({ accessToken: 'a', refreshToken: '1//0g-refresh' }))).failureClass).toBe('invalid_grant');
  });

  it('revokes by POSTing the token to the revoke endpoint', async () => {
    fake.on('POST', '/revoke', { status: 200, json: {} });
    await build(id, creds).adapter.revoke({ accessToken: 'ya29.a0', refreshToken: '1//0g-refresh' });
    const [req] = fake.requestsTo('POST', '/revoke');
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req!.form.token).toBe('1//0g-refresh');
  });
});

describe('Google profile', () => {
  it('reads sub and email from the OpenID userinfo endpoint', async () => {
    fake.on('GET', '/v1/userinfo', { json: { sub: '110169484474386276334', email: 'user@example.com', email_verified: true, name: 'A User' } });
    const profile = await build('google', { clientId: 'g', clientSecret: 's' }).adapter.fetchProfile({ accessToken: 'ya29.a0' });
    expect(fake.requestsTo('GET', '/v1/userinfo')[0]!.headers.authorization).toBe('Bearer ya29.a0');
    expect(profile).toEqual({ accountId: '110169484474386276334', username: 'user@example.com' });
  });
});

describe('YouTube profile', () => {
  it('reads the channel id and title from channels?part=snippet&mine=true', async () => {
    fake.on('GET', '/youtube/v3/channels', {
      json: { kind: 'youtube#channelListResponse', items: [{ kind: 'youtube#channel', id: 'UC123', snippet: { title: 'My Channel' } }] },
    });
    const profile = await build('youtube', { clientId: 'g', clientSecret: 's' }).adapter.fetchProfile({ accessToken: 'ya29.a0' });
    const [req] = fake.requestsTo('GET', '/youtube/v3/channels');
    expect(req!.query).toEqual({ part: 'snippet', mine: 'true' });
    expect(req!.headers.authorization).toBe('Bearer ya29.a0');
    expect(profile).toEqual({ accountId: 'UC123', username: 'My Channel' });
  });
});

describe('X (OAuth 2.0 with PKCE, confidential client)', () => {
  // Characters that must be form-encoded before base64 (":" would otherwise split id and secret).
  const creds = { clientId: 'M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ', clientSecret: 'x:sec/ret+%=' };
  const x = () => build('x', creds);
  const TOKEN = '/2/oauth2/token';
  const tokenBody = (n: number) => ({
    token_type: 'bearer',
    expires_in: 7200,
    access_token: `x-access-${n}`,
    scope: 'tweet.read users.read offline.access',
    refresh_token: `x-refresh-${n}`,
  });

  it('asks for offline.access with PKCE S256 on x.com', () => {
    const url = new URL(x().adapter.authorizationUrl({ state: 'st', redirectUri: REDIRECT, codeChallenge: CHALLENGE }));
    expect(url.pathname).toBe('/i/oauth2/authorize');
    expect(url.searchParams.get('scope')!.split(' ')).toContain('offline.access');
    expect(url.searchParams.get('code_challenge')).toBe(CHALLENGE);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('authenticates the code exchange with HTTP Basic and keeps the secret out of the body', async () => {
    fake.on('POST', TOKEN, { json: tokenBody(1) });
    const tokens = await x().adapter.exchangeCode({ code: 'x-code', redirectUri: REDIRECT, codeVerifier: 'verifier' });
    const [req] = fake.requestsTo('POST', TOKEN);
    expect(basicCredentials(req!.headers)).toEqual({ id: creds.clientId, secret: creds.clientSecret });
    expect(req!.form).toEqual({
      grant_type: 'authorization_code',
      code: 'x-code',
      redirect_uri: REDIRECT,
      code_verifier: 'verifier',
      client_id: creds.clientId,
    });
    expect(tokens).toMatchObject({ accessToken: 'x-access-1', refreshToken: 'x-refresh-1', expiresIn: 7200 });
  });

  it('refreshes with HTTP Basic and returns the rotated refresh token', async () => {
    fake.on('POST', TOKEN, { json: tokenBody(2) });
    const tokens = await x().adapter.refresh({ accessToken: 'x-access-1', refreshToken: 'x-refresh-1' });
    const [req] = fake.requestsTo('POST', TOKEN);
    expect(basicCredentials(req!.headers)).toEqual({ id: creds.clientId, secret: creds.clientSecret });
    expect(req!.form).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'x-refresh-1' });
    expect(req!.form.client_secret).toBeUndefined();
    expect(tokens.refreshToken).toBe('x-refresh-2');
  });

  it('revokes with HTTP Basic', async () => {
    fake.on('POST', '/2/oauth2/revoke', { json: { revoked: true } });
    await x().adapter.revoke({ accessToken: 'x-access-1', refreshToken: 'x-refresh-1' });
    const [req] = fake.requestsTo('POST', '/2/oauth2/revoke');
    expect(basicCredentials(req!.headers)).toEqual({ id: creds.clientId, secret: creds.clientSecret });
    expect(req!.form).toMatchObject({ token: 'x-refresh-1', token_type_hint: 'refresh_token' });
  });

  it('reads the profile from /2/users/me', async () => {
    fake.on('GET', '/2/users/me', { json: { data: { id: '2244994945', name: 'X Developers', username: 'XDevelopers' } } });
    const profile = await x().adapter.fetchProfile({ accessToken: 'x-access-1' });
    expect(fake.requestsTo('GET', '/2/users/me')[0]!.headers.authorization).toBe('Bearer x-access-1');
    expect(profile).toEqual({ accountId: '2244994945', username: 'XDevelopers' });
  });
});

describe('LinkedIn (Sign In with LinkedIn using OpenID Connect)', () => {
  const creds = { clientId: '86abc', clientSecret: 'WPL_AP1.linkedin-secret' };
  const linkedin = () => build('linkedin', creds);
  const TOKEN = '/oauth/v2/accessToken';

  it('sends no PKCE parameters: the connect flow derives none since pkce is off', () => {
    const { adapter, provider } = linkedin();
    expect(provider.pkce).toBe(false);
    // As the connect flow does: a challenge only when the provider uses PKCE.
    const url = new URL(adapter.authorizationUrl({ state: 'st', redirectUri: REDIRECT, codeChallenge: provider.pkce ? CHALLENGE : undefined }));
    expect(url.pathname).toBe('/oauth/v2/authorization');
    expect(url.searchParams.has('code_challenge')).toBe(false);
    expect(url.searchParams.has('code_challenge_method')).toBe(false);
    expect(url.searchParams.get('scope')).toBe('openid profile email w_member_social');
  });

  it('exchanges the code with credentials in the body; no refresh token for standard apps', async () => {
    fake.on('POST', TOKEN, { json: { access_token: 'AQV-li', expires_in: 5184000, scope: 'email,openid,profile', token_type: 'Bearer', id_token: 'eyJ.a.b' } });
    const tokens = await linkedin().adapter.exchangeCode({ code: 'li-code', redirectUri: REDIRECT });
    const [req] = fake.requestsTo('POST', TOKEN);
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.form).toEqual({
      grant_type: 'authorization_code',
      code: 'li-code',
      redirect_uri: REDIRECT,
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
    });
    expect(tokens).toEqual({
      accessToken: 'AQV-li',
      expiresIn: 5184000,
      scopes: ['email', 'openid', 'profile'],
      refreshToken: undefined,
      refreshTokenExpiresIn: undefined,
      accountId: undefined,
    });
  });

  it('returns the refresh token and its expiry for partner apps', async () => {
    fake.on('POST', TOKEN, {
      json: { access_token: 'AQV-li', expires_in: 5184000, refresh_token: 'AQW-refresh', refresh_token_expires_in: 31536000, scope: 'r_basicprofile' },
    });
    const tokens = await linkedin().adapter.exchangeCode({ code: 'li-code', redirectUri: REDIRECT });
    expect(tokens).toMatchObject({ refreshToken: 'AQW-refresh', refreshTokenExpiresIn: 31536000 });
  });

  it('revokes with client_id, client_secret and the token in the body', async () => {
    fake.on('POST', '/oauth/v2/revoke', { status: 200, body: '' });
    await linkedin().adapter.revoke({ accessToken: 'AQV-li' });
    expect(fake.requestsTo('POST', '/oauth/v2/revoke')[0]!.form).toMatchObject({
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
      token: 'AQV-li',
    });
  });

  it('reads sub and name from /v2/userinfo', async () => {
    fake.on('GET', '/v2/userinfo', { json: { sub: '782bbtaQ', name: 'Li Nked', given_name: 'Li', email: 'li@example.com' } });
    expect(await linkedin().adapter.fetchProfile({ accessToken: 'AQV-li' })).toEqual({ accountId: '782bbtaQ', username: 'Li Nked' });
  });
});

describe('Pinterest (API v5)', () => {
  const creds = { clientId: '1484321', clientSecret: 'pin-secret' };
  const pinterest = () => build('pinterest', creds);
  const TOKEN = '/v5/oauth/token';

  it('authenticates with HTTP Basic and returns the rotated refresh token with its expiry', async () => {
    fake.on('POST', TOKEN, {
      json: {
        access_token: 'pina_new',
        refresh_token: 'pinr_new',
        response_type: 'refresh_token',
        token_type: 'bearer',
        expires_in: 2592000,
        refresh_token_expires_in: 5184000,
        scope: 'user_accounts:read',
      },
    });
    const tokens = await pinterest().adapter.refresh({ accessToken: 'pina_old', refreshToken: 'pinr_old' });
    const [req] = fake.requestsTo('POST', TOKEN);
    expect(basicCredentials(req!.headers)).toEqual({ id: creds.clientId, secret: creds.clientSecret });
    expect(req!.form).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'pinr_old' });
    expect(req!.form.client_secret).toBeUndefined();
    expect(tokens).toMatchObject({ accessToken: 'pina_new', refreshToken: 'pinr_new', expiresIn: 2592000, refreshTokenExpiresIn: 5184000 });
  });

  it('exchanges the code with HTTP Basic', async () => {
    fake.on('POST', TOKEN, {
      json: {
        access_token: 'pina_1',
        refresh_token: 'pinr_1',
        token_type: 'bearer',
        expires_in: 2592000,
        refresh_token_expires_in: 31536000,
        scope: 'user_accounts:read',
      },
    });
    await pinterest().adapter.exchangeCode({ code: 'pin-code', redirectUri: REDIRECT });
    const [req] = fake.requestsTo('POST', TOKEN);
    expect(basicCredentials(req!.headers)).toEqual({ id: creds.clientId, secret: creds.clientSecret });
    expect(req!.form).toMatchObject({ grant_type: 'authorization_code', code: 'pin-code', redirect_uri: REDIRECT });
  });

  it('reads username and id from /v5/user_account', async () => {
    fake.on('GET', '/v5/user_account', { json: { account_type: 'BUSINESS', id: '549755885175', username: 'pinner' } });
    const profile = await pinterest().adapter.fetchProfile({ accessToken: 'pina_1' });
    expect(fake.requestsTo('GET', '/v5/user_account')[0]!.headers.authorization).toBe('Bearer pina_1');
    expect(profile).toEqual({ accountId: '549755885175', username: 'pinner' });
  });
});

describe('authorization URL: the connect flow owns its parameters', () => {
  // A configuration that slipped past startup validation (or a future code path that skips it).
  const hostile = (adapter: ProviderConfig['adapter'], pkce: boolean): ProviderConfig => ({
    ...adapterFromFile('acme', {
      authorizationUrl: 'https://sso.acme.example/authorize?tenant=t',
      tokenUrl: 'https://sso.acme.example/token',
      clientId: 'our-client',
      clientSecret: 's',
    }).provider,
    adapter,
    pkce,
    authorizationUrl: 'https://sso.acme.example/authorize?tenant=t&State=url-state&request_uri=https://evil.example/r',
    authorizationParams: {
      prompt: 'consent',
      state: 'evil-state',
      STATE: 'evil-state-2',
      redirect_uri: 'https://evil.example/cb',
      code_challenge: 'evil-challenge',
      code_challenge_method: 'plain',
      client_id: 'evil-client',
      client_key: 'evil-client',
      response_type: 'token',
      request: 'eyJhbGciOiJub25lIn0.e30.',
      request_uri: 'https://evil.example/request',
    },
  });

  it.each([
    ['standard', true],
    ['standard', false],
    ['tiktok', false],
  ] as const)('%s adapter (pkce %s): our values win and reserved extras are dropped', (kind, pkce) => {
    const adapter = createAdapter(
      hostile(kind, pkce),
      new ProviderHttpClient({ providerHttp: { timeoutMs: 1000, connectTimeoutMs: 1000, maxResponseBytes: 1024 } } as never),
    );
    const url = new URL(adapter.authorizationUrl({ state: 'our-state', redirectUri: REDIRECT, codeChallenge: pkce ? CHALLENGE : undefined }));
    const lower = [...url.searchParams.keys()].map((k) => k.toLowerCase());
    expect(lower.filter((k) => k === 'state')).toEqual(['state']); // no case variant survives
    expect(url.searchParams.get('state')).toBe('our-state');
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get(kind === 'tiktok' ? 'client_key' : 'client_id')).toBe('our-client');
    expect(url.searchParams.has(kind === 'tiktok' ? 'client_id' : 'client_key')).toBe(false);
    expect(url.searchParams.get('code_challenge')).toBe(pkce ? CHALLENGE : null);
    expect(url.searchParams.get('code_challenge_method')).toBe(pkce ? 'S256' : null);
    expect(url.searchParams.has('request')).toBe(false);
    expect(url.searchParams.has('request_uri')).toBe(false);
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.get('tenant')).toBe('t');
    expect(url.toString()).not.toContain('evil');
  });
});
