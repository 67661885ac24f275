// The Threads adapter against a fake graph.threads.net answering as its documentation shows.
import { BUILT_IN_PROVIDERS } from '../../src/providers/provider-catalogue.js';
import { adapterFromFile, builtInOverrides as overrides, type FakeProvider, providerFailure as failure, startFakeProvider } from '../helpers/fake-provider.js';

const REDIRECT = 'https://app.example.com/my/settings/social';

let fake: FakeProvider;
beforeEach(async () => {
  fake = await startFakeProvider();
});
afterEach(() => fake.close());

// Threads API (developers.facebook.com/documentation/threads/get-started/get-access-tokens-and-permissions,
// updated 12 Aug 2026, and .../long-lived-tokens, read 2026-12-04): the shape of Instagram Login on graph.threads.net.
describe('Threads', () => {
  const threads = () => adapterFromFile('threads', overrides('threads', fake.url, { clientId: '990602627938098', clientSecret: 'th-secret' })).adapter;
  const LONG = { access_token: 'THAAlong-lived', token_type: 'bearer', expires_in: 5183944 };

  it('opens the Authorization Window on threads.com with comma-separated scopes and no PKCE', () => {
    expect(new URL(BUILT_IN_PROVIDERS.threads!.authorizationUrl).host).toBe('threads.com');
    const url = new URL(threads().authorizationUrl({ state: 'st-1', redirectUri: REDIRECT }));
    expect(url.searchParams.get('client_id')).toBe('990602627938098');
    expect(url.searchParams.get('scope')).toBe('threads_basic,threads_content_publish,threads_manage_insights');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.has('code_challenge')).toBe(false);
  });

  it('exchanges the code by form POST, then th_exchange_token for a 60-day token', async () => {
    fake.on('POST', '/oauth/access_token', {
      headers: { 'content-type': 'application/json' },
      body: '{"access_token":"THAAshort","user_id":25129376793187219}',
    });
    fake.on('GET', '/access_token', { json: LONG });
    const tokens = await threads().exchangeCode({ code: threads().normalizeCode('AQDcode#_'), redirectUri: REDIRECT });

    expect(fake.requestsTo('POST', '/oauth/access_token')[0]!.form).toEqual({
      client_id: '990602627938098',
      client_secret: 'th-secret',
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
      code: 'AQDcode',
    });
    expect(fake.requestsTo('GET', '/access_token')[0]!.query).toEqual({
      grant_type: 'th_exchange_token',
      client_secret: 'th-secret',
      access_token: 'THAAshort',
    });
    expect(tokens).toMatchObject({ accessToken: 'THAAlong-lived', expiresIn: 5183944, accountId: '25129376793187219' });
    expect(tokens.refreshToken).toBeUndefined();
  });

  it('extends the long-lived token with th_refresh_token', async () => {
    fake.on('GET', '/refresh_access_token', { json: { ...LONG, access_token: 'THAAextended' } });
    const tokens = await threads().refresh({ accessToken: 'THAAlong-lived', refreshToken: null });
    expect(fake.requestsTo('GET', '/refresh_access_token')[0]!.query).toEqual({ grant_type: 'th_refresh_token', access_token: 'THAAlong-lived' });
    expect(tokens).toMatchObject({ accessToken: 'THAAextended', expiresIn: 5183944 });
  });

  it('reads the profile from /v1.0/me?fields=id,username', async () => {
    fake.on('GET', '/v1.0/me', { json: { id: '25129376793187219', username: 'threads.writer' } });
    expect(await threads().fetchProfile({ accessToken: 'THAAlong-lived' })).toEqual({ accountId: '25129376793187219', username: 'threads.writer' });
    expect(fake.requestsTo('GET', '/v1.0/me')[0]!.query).toEqual({ fields: 'id,username', access_token: 'THAAlong-lived' });
  });

  it('an expired token (Graph code 190) is invalid_grant', async () => {
    fake.on('GET', '/refresh_access_token', {
      status: 400,
      json: { error: { message: 'Error validating access token: Session has expired', type: 'OAuthException', code: 190, fbtrace_id: 'Ab' } },
    });
    expect((await failure(threads().refresh({ accessToken: 'THAAlong-lived' }))).failureClass).toBe('invalid_grant');
  });
});
