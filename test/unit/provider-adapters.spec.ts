// TikTok, Instagram and Facebook adapters against fake servers answering with the providers'
// documented requests and responses (built-in URLs moved to the fake via PROVIDERS_FILE).
import { BUILT_IN_PROVIDERS } from '../../src/providers/provider-catalogue.js';
import {
  adapterFromFile,
  builtInOverrides as overrides,
  type FakeProvider,
  providerFailure as failure,
  rehost,
  startFakeProvider,
} from '../helpers/fake-provider.js';

const REDIRECT = 'https://app.example.com/my/settings/social';

let fake: FakeProvider;
beforeEach(async () => {
  fake = await startFakeProvider();
});
afterEach(() => fake.close());

describe('TikTok (Login Kit for Web v2)', () => {
  const creds = { clientId: 'tt-client-key', clientSecret: 'tt-client-secret' };
  const tiktok = () => adapterFromFile('tiktok', overrides('tiktok', fake.url, { ...creds, scopes: ['user.info.basic', 'video.list'] })).adapter;
  const TOKEN = '/v2/oauth/token/';
  // Lifetimes: 2-hour access tokens, 180-day refresh tokens, both in seconds
  // (developers.tiktok.com/docs/zh-Hans/oauth-user-access-token-management, updated 5 Nov 2026, read 2026-12-03).
  const tokenBody = (n: number) => ({
    access_token: `act.access-${n}`,
    expires_in: 7200,
    open_id: 'afd97af1-b87b-48b9-ac98-410aghda5344',
    refresh_expires_in: 15552000,
    refresh_token: `rft.refresh-${n}`,
    scope: 'user.info.basic,video.list',
    token_type: 'Bearer',
  });

  it('builds the authorization URL with client_key and comma-separated scopes', () => {
    const url = new URL(tiktok().authorizationUrl({ state: 'st-1', redirectUri: REDIRECT }));
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/v2/auth/authorize/`);
    expect(url.searchParams.get('client_key')).toBe('tt-client-key');
    expect(url.searchParams.has('client_id')).toBe(false);
    expect(url.searchParams.get('scope')).toBe('user.info.basic,video.list');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(url.searchParams.get('state')).toBe('st-1');
  });

  it('exchanges the code with a form POST and reads open_id and the refresh expiry', async () => {
    fake.on('POST', TOKEN, { json: tokenBody(1) });
    const tokens = await tiktok().exchangeCode({ code: 'code-123', redirectUri: REDIRECT });

    const [req] = fake.requestsTo('POST', TOKEN);
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req!.form).toEqual({
      client_key: 'tt-client-key',
      client_secret: 'tt-client-secret',
      code: 'code-123',
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
    });
    expect(tokens).toEqual({
      accessToken: 'act.access-1',
      refreshToken: 'rft.refresh-1',
      expiresIn: 7200,
      refreshTokenExpiresIn: 15552000,
      scopes: ['user.info.basic', 'video.list'],
      accountId: 'afd97af1-b87b-48b9-ac98-410aghda5344',
    });
  });

  it('refreshes with the refresh token and returns the rotated one', async () => {
    fake.on('POST', TOKEN, { json: tokenBody(2) });
    const tokens = await tiktok().refresh({ accessToken: 'act.access-1', refreshToken: 'rft.refresh-1' });
    expect(fake.requestsTo('POST', TOKEN)[0]!.form).toEqual({
      client_key: 'tt-client-key',
      client_secret: 'tt-client-secret',
      grant_type: 'refresh_token',
      refresh_token: 'rft.refresh-1',
    });
    expect(tokens.accessToken).toBe('act.access-2');
    expect(tokens.refreshToken).toBe('rft.refresh-2');
  });

  it.each([200, 400])('classifies an OAuth error body (HTTP %i) on refresh as invalid_grant', async (status) => {
    fake.on('POST', TOKEN, {
      status,
      json: { error: 'invalid_grant', error_description: 'Refresh token is invalid or expired.', log_id: '202301010000000000ABCDEF' },
    });
    const error = await failure(tiktok().refresh({ accessToken: 'act.access-1', refreshToken: 'rft.refresh-1' }));
    expect(error.failureClass).toBe('invalid_grant');
    expect(error.details.providerCode).toBe('invalid_grant');
    expect(error.message).not.toContain('rft.refresh-1');
  });

  it('reads the profile from /v2/user/info/ with fields and a Bearer token', async () => {
    fake.on('GET', '/v2/user/info/', {
      json: {
        data: { user: { open_id: 'afd97af1-b87b-48b9-ac98-410aghda5344', union_id: 'u-1', display_name: 'Tik Tokker' } },
        error: { code: 'ok', message: '', log_id: 'log-1' },
      },
    });
    const profile = await tiktok().fetchProfile({ accessToken: 'act.access-1' });
    const [req] = fake.requestsTo('GET', '/v2/user/info/');
    expect(req!.headers.authorization).toBe('Bearer act.access-1');
    // Without user.info.profile granted, username is not asked for (TikTok would refuse the whole call).
    expect(req!.query.fields!.split(',').sort()).toEqual(['display_name', 'open_id', 'union_id']);
    expect(profile).toEqual({ accountId: 'afd97af1-b87b-48b9-ac98-410aghda5344', username: 'Tik Tokker' });
  });

  // username is the handle; it needs user.info.profile (developers.tiktok.com/bulletin/user-info-scope-migration,
  // doc/tiktok-api-v2-get-user-info, read 2026-12-03). display_name is not unique.
  it('shows the handle (username) when user.info.profile was granted', async () => {
    fake.on('GET', '/v2/user/info/', {
      json: {
        data: { user: { open_id: 'afd97af1-b87b-48b9-ac98-410aghda5344', union_id: 'u-1', display_name: 'Tik Tokker', username: 'tiktokker.official' } },
        error: { code: 'ok', message: '', log_id: 'log-1' },
      },
    });
    const profile = await tiktok().fetchProfile({ accessToken: 'act.access-1', scopes: ['user.info.basic', 'user.info.profile', 'video.upload'] });
    expect(fake.requestsTo('GET', '/v2/user/info/')[0]!.query.fields!.split(',')).toContain('username');
    expect(profile).toEqual({ accountId: 'afd97af1-b87b-48b9-ac98-410aghda5344', username: 'tiktokker.official' });
  });

  it('classifies a user info error envelope (access_token_invalid) as invalid_grant', async () => {
    fake.on('GET', '/v2/user/info/', {
      status: 401,
      json: { data: {}, error: { code: 'access_token_invalid', message: 'The access token is invalid or not found in the request.', log_id: 'log-2' } },
    });
    expect((await failure(tiktok().fetchProfile({ accessToken: 'act.x' }))).failureClass).toBe('invalid_grant');
  });

  it('revokes by POSTing client_key, client_secret and the access token', async () => {
    fake.on('POST', '/v2/oauth/revoke/', { status: 200, body: '' });
    await tiktok().revoke({ accessToken: 'act.access-1', refreshToken: 'rft.refresh-1' });
    expect(fake.requestsTo('POST', '/v2/oauth/revoke/')[0]!.form).toEqual({
      client_key: 'tt-client-key',
      client_secret: 'tt-client-secret',
      token: 'act.access-1',
    });
  });
});

describe('Instagram (API with Instagram Login)', () => {
  let graph: FakeProvider; // graph.instagram.com; `fake` plays api.instagram.com
  beforeEach(async () => {
    graph = await startFakeProvider();
  });
  afterEach(() => graph.close());

  const instagram = () =>
    adapterFromFile('instagram', {
      clientId: 'ig-app-id',
      clientSecret: 'ig-app-secret',
      authorizationUrl: rehost(BUILT_IN_PROVIDERS.instagram!.authorizationUrl, fake.url),
      tokenUrl: `${fake.url}/oauth/access_token`,
      refreshUrl: `${graph.url}/refresh_access_token`,
      userInfoUrl: `${graph.url}/me`,
    }).adapter;
  const LONG = { access_token: 'IGAAlong-lived', token_type: 'bearer', expires_in: 5183944 };

  it('strips the #_ Instagram appends to the code', () => {
    expect(instagram().normalizeCode('abc#_')).toBe('abc');
    expect(instagram().normalizeCode('abc')).toBe('abc');
  });

  it.each([
    ['flat', { access_token: 'IGAAshort', user_id: 17841400000000, permissions: ['instagram_business_basic'] }],
    ['data[0]', { data: [{ access_token: 'IGAAshort', user_id: '17841400000000', permissions: 'instagram_business_basic' }] }],
  ])('exchanges the code (%s response), then swaps the short token for a long-lived one on the Graph host', async (_shape, shortBody) => {
    fake.on('POST', '/oauth/access_token', { json: shortBody });
    graph.on('GET', '/access_token', { json: LONG });
    const tokens = await instagram().exchangeCode({ code: 'AQBcode', redirectUri: REDIRECT });

    expect(fake.requestsTo('POST', '/oauth/access_token')[0]!.form).toEqual({
      client_id: 'ig-app-id',
      client_secret: 'ig-app-secret',
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
      code: 'AQBcode',
    });
    expect(graph.requestsTo('GET', '/access_token')[0]!.query).toEqual({
      grant_type: 'ig_exchange_token',
      client_secret: 'ig-app-secret',
      access_token: 'IGAAshort',
    });
    expect(fake.requestsTo('GET', '/access_token')).toHaveLength(0);
    expect(tokens.accessToken).toBe('IGAAlong-lived');
    expect(tokens.expiresIn).toBe(5183944);
    expect(tokens.accountId).toBe('17841400000000');
    expect(tokens.refreshToken).toBeUndefined();
  });

  it('keeps every digit of a numeric user_id beyond 2^53', async () => {
    // Meta answers user_id as a JSON number; 17841405793187219 would round to ...220 (doubles are 2 apart there) in JSON.parse.
    fake.on('POST', '/oauth/access_token', {
      headers: { 'content-type': 'application/json' },
      body: '{"access_token":"IGAAshort","user_id":17841405793187219,"permissions":["instagram_business_basic"]}',
    });
    graph.on('GET', '/access_token', { json: LONG });
    expect((await instagram().exchangeCode({ code: 'AQBcode', redirectUri: REDIRECT })).accountId).toBe('17841405793187219');
  });

  it('keeps every digit of a user_id beyond 2^53 inside data[0] and on /me, too', async () => {
    fake.on('POST', '/oauth/access_token', {
      headers: { 'content-type': 'application/json' },
      body: '{"data":[{"access_token":"IGAAshort","user_id":17841405793187219}]}',
    });
    graph.on('GET', '/access_token', { json: LONG });
    graph.on('GET', '/me', { headers: { 'content-type': 'application/json' }, body: '{"user_id":17841405793187221,"username":"creator"}' });
    const tokens = await instagram().exchangeCode({ code: 'AQBcode', redirectUri: REDIRECT });
    expect(tokens.accountId).toBe('17841405793187219');
    expect(await instagram().fetchProfile(tokens)).toEqual({ accountId: '17841405793187221', username: 'creator' });
  });

  it('an empty data[] in the code answer is malformed, not a crash', async () => {
    fake.on('POST', '/oauth/access_token', { json: { data: [] } });
    expect((await failure(instagram().exchangeCode({ code: 'AQBcode', redirectUri: REDIRECT }))).failureClass).toBe('malformed');
  });

  it('classifies the documented bad-code answer (error_type OAuthException, code 400) as invalid_grant', async () => {
    fake.on('POST', '/oauth/access_token', { status: 400, json: { error_type: 'OAuthException', code: 400, error_message: 'Invalid authorization code' } });
    const error = await failure(instagram().exchangeCode({ code: 'AQBcode', redirectUri: REDIRECT }));
    expect(error.failureClass).toBe('invalid_grant');
    expect(graph.requests).toHaveLength(0);
  });

  it('refreshes the access token itself with ig_refresh_token', async () => {
    graph.on('GET', '/refresh_access_token', { json: { ...LONG, access_token: 'IGAArefreshed' } });
    const tokens = await instagram().refresh({ accessToken: 'IGAAlong-lived', refreshToken: null });
    expect(graph.requestsTo('GET', '/refresh_access_token')[0]!.query).toEqual({ grant_type: 'ig_refresh_token', access_token: 'IGAAlong-lived' });
    expect(tokens).toMatchObject({ accessToken: 'IGAArefreshed', expiresIn: 5183944 });
    expect(tokens.refreshToken).toBeUndefined();
  });

  it.each([
    [400, 190, 'invalid_grant'],
    [403, 4, 'rate_limited'],
  ])('classifies a Graph error (HTTP %i, code %i) as %s', async (status, code, failureClass) => {
    graph.on('GET', '/refresh_access_token', {
      status,
      json: { error: { message: 'Error validating access token', type: 'OAuthException', code, fbtrace_id: 'AbCdEf' } },
    });
    const error = await failure(instagram().refresh({ accessToken: 'IGAAlong-lived' }));
    expect(error.failureClass).toBe(failureClass);
    expect(error.message).not.toContain('IGAAlong-lived');
  });

  it('reads the profile from /me with fields and the token as a query parameter', async () => {
    graph.on('GET', '/me', { json: { user_id: '17841400000000', username: 'insta.user', id: '9000' } });
    const profile = await instagram().fetchProfile({ accessToken: 'IGAAlong-lived' });
    expect(graph.requestsTo('GET', '/me')[0]!.query).toEqual({ fields: 'user_id,username', access_token: 'IGAAlong-lived' });
    expect(profile).toEqual({ accountId: '17841400000000', username: 'insta.user' });
  });

  // The 24-hour minimum age before a refresh is RefreshPolicy.canRefresh's (test/unit/refresh-policy.spec.ts).
  it('has no revocation endpoint: revoke() calls nothing', async () => {
    await instagram().revoke({ accessToken: 'IGAAlong-lived' });
    expect([...fake.requests, ...graph.requests]).toHaveLength(0);
  });
});

describe('Facebook Login', () => {
  const facebook = () => adapterFromFile('facebook', overrides('facebook', fake.url, { clientId: 'fb-app-id', clientSecret: 'fb-app-secret' })).adapter;
  const TOKEN = '/v26.0/oauth/access_token';

  it('builds the authorization URL on the dialog with comma scopes and no PKCE', () => {
    const url = new URL(facebook().authorizationUrl({ state: 's', redirectUri: REDIRECT, scopes: ['public_profile', 'email'] }));
    expect(url.pathname).toBe('/v26.0/dialog/oauth');
    expect(url.searchParams.get('client_id')).toBe('fb-app-id');
    expect(url.searchParams.get('scope')).toBe('public_profile,email');
    expect(url.searchParams.has('code_challenge')).toBe(false);
  });

  it('exchanges the code by GET, then for a long-lived token with fb_exchange_token', async () => {
    fake.on('GET', TOKEN, (req) =>
      req.query.grant_type === 'fb_exchange_token'
        ? { json: { access_token: 'EAAlong', token_type: 'bearer', expires_in: 5183944 } }
        : { json: { access_token: 'EAAshort', token_type: 'bearer', expires_in: 5400 } },
    );
    const tokens = await facebook().exchangeCode({ code: 'fb-code', redirectUri: REDIRECT });

    const [first, second] = fake.requestsTo('GET', TOKEN);
    expect(first!.query).toEqual({ client_id: 'fb-app-id', client_secret: 'fb-app-secret', redirect_uri: REDIRECT, code: 'fb-code' });
    expect(second!.query).toEqual({ grant_type: 'fb_exchange_token', client_id: 'fb-app-id', client_secret: 'fb-app-secret', fb_exchange_token: 'EAAshort' });
    expect(fake.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(tokens).toMatchObject({ accessToken: 'EAAlong', expiresIn: 5183944 });
    expect(tokens.refreshToken).toBeUndefined();
  });

  it('cannot refresh: refresh() fails with invalid_grant without calling Facebook', async () => {
    const adapter = facebook();
    expect((await failure(adapter.refresh({ accessToken: 'EAAlong' }))).failureClass).toBe('invalid_grant');
    expect(fake.requests).toHaveLength(0);
  });

  it('classifies an expired-session error (190/463) as invalid_grant without quoting it', async () => {
    fake.on('GET', '/v26.0/me', {
      status: 400,
      json: {
        error: {
          message: 'Error validating access token: Session has expired EAAlong',
          type: 'OAuthException',
          code: 190,
          error_subcode: 463,
          fbtrace_id: 'A1b2C3',
        },
      },
    });
    const error = await failure(facebook().fetchProfile({ accessToken: 'EAAlong' }));
    expect(error.failureClass).toBe('invalid_grant');
    expect(error.message).not.toContain('EAAlong');
    expect(error.message).not.toContain('Session has expired');
  });

  it('reads the profile from /me?fields=id,name with the token as a query parameter', async () => {
    fake.on('GET', '/v26.0/me', { json: { id: '10158000000000001', name: 'Fay Book' } });
    const profile = await facebook().fetchProfile({ accessToken: 'EAAlong' });
    expect(fake.requestsTo('GET', '/v26.0/me')[0]!.query).toEqual({ fields: 'id,name', access_token: 'EAAlong' });
    expect(profile).toEqual({ accountId: '10158000000000001', username: 'Fay Book' });
  });

  // Versions: developers.facebook.com/docs/graph-api/changelog/versions (read 2026-12-03): v26.0 is current.
  it('names Graph API v26.0 in every URL, and PROVIDERS_FILE apiVersion moves them all', async () => {
    const moved = adapterFromFile('facebook', overrides('facebook', fake.url, { clientId: 'fb-app-id', clientSecret: 'fb-app-secret', apiVersion: 'v27.0' }));
    expect(moved.provider).toMatchObject({
      apiVersion: 'v27.0',
      tokenUrl: `${fake.url}/v27.0/oauth/access_token`,
      refreshUrl: `${fake.url}/v27.0/oauth/access_token`,
      revocationUrl: `${fake.url}/v27.0/me/permissions`,
    });
    expect(new URL(moved.adapter.authorizationUrl({ state: 's', redirectUri: REDIRECT })).pathname).toBe('/v27.0/dialog/oauth');
    fake.on('GET', '/v27.0/me', { json: { id: '1', name: 'Fay Book' } });
    await moved.adapter.fetchProfile({ accessToken: 'EAAlong' });
    expect(fake.requestsTo('GET', '/v27.0/me')).toHaveLength(1);
  });

  it('revokes with DELETE /me/permissions and the access token', async () => {
    fake.on('DELETE', '/v26.0/me/permissions', { json: { success: true } });
    await facebook().revoke({ accessToken: 'EAAlong' });
    const [req] = fake.requestsTo('DELETE', '/v26.0/me/permissions');
    expect(req!.query).toEqual({ access_token: 'EAAlong' });
  });
});
