// Failure classification of provider calls (through the Google adapter, any would do) against a
// fake server: status codes, malformed answers, size cap, timeout, redirects, and no secrets in
// error messages.
import type { FailureClass, ProviderError } from '../../src/providers/provider.exception.js';
import { adapterFromFile, builtInOverrides, type FakeProvider, providerFailure, startFakeProvider } from '../helpers/fake-provider.js';

const REDIRECT = 'https://app.example.com/my/settings/social';
const SECRET = 'GOCSPX-client-secret-DO-NOT-LEAK';
const CODE = '4/0Acode-DO-NOT-LEAK';
const ACCESS = 'ya29.access-DO-NOT-LEAK';
const REFRESH = '1//refresh-DO-NOT-LEAK';
const SENSITIVE = [SECRET, CODE, ACCESS, REFRESH];
/** Error bodies that quote the sensitive values, as careless providers do. */
const echo = `sent ${SENSITIVE.join(' ')}`;

let fake: FakeProvider;
beforeEach(async () => {
  fake = await startFakeProvider();
});
afterEach(() => fake.close());

const google = (env: Record<string, string> = {}) =>
  adapterFromFile('google', builtInOverrides('google', fake.url, { clientId: 'gid', clientSecret: SECRET }), env).adapter;
const exchange = (env?: Record<string, string>) => google(env).exchangeCode({ code: CODE, redirectUri: REDIRECT, codeVerifier: 'v'.repeat(43) });
const refresh = () => google().refresh({ accessToken: ACCESS, refreshToken: REFRESH });

function expectClean(error: ProviderError, failureClass: FailureClass): void {
  expect(error.failureClass).toBe(failureClass);
  for (const value of SENSITIVE) expect(error.message).not.toContain(value);
  expect(error.message).not.toContain(fake.url);
}

describe('provider call failures', () => {
  it('an HTML 502 is transient', async () => {
    fake.on('POST', '/token', { status: 502, headers: { 'content-type': 'text/html' }, body: `<html><body><h1>502 Bad Gateway</h1>${echo}</body></html>` });
    const error = await providerFailure(exchange());
    expectClean(error, 'transient');
    expect(error.details.status).toBe(502);
    expect(fake.requestsTo('POST', '/token')).toHaveLength(1); // the adapter itself does not retry
  });

  it('a 503 with an OAuth error body is transient', async () => {
    fake.on('POST', '/token', { status: 503, json: { error: 'temporarily_unavailable', error_description: echo } });
    expectClean(await providerFailure(refresh()), 'transient');
  });

  it('429 with Retry-After: 7 is rate_limited with retryAfterMs 7000', async () => {
    fake.on('POST', '/token', { status: 429, headers: { 'retry-after': '7' }, body: 'Too Many Requests' });
    const error = await providerFailure(refresh());
    expectClean(error, 'rate_limited');
    expect(error.details.retryAfterMs).toBe(7000);
  });

  it('429 with an OAuth error body keeps the Retry-After', async () => {
    fake.on('POST', '/token', { status: 429, headers: { 'retry-after': '7' }, json: { error: 'slow_down', error_description: echo } });
    const error = await providerFailure(refresh());
    expectClean(error, 'rate_limited');
    expect(error.details).toMatchObject({ retryAfterMs: 7000, providerCode: 'slow_down' });
  });

  it('a 200 without access_token is malformed', async () => {
    fake.on('POST', '/token', { json: { token_type: 'Bearer', expires_in: 3599, note: echo } });
    expectClean(await providerFailure(exchange()), 'malformed');
  });

  it('a 200 that is not JSON is malformed', async () => {
    fake.on('POST', '/token', { headers: { 'content-type': 'text/plain' }, body: `access_token=${ACCESS}&expires=3600` });
    expectClean(await providerFailure(exchange()), 'malformed');
  });

  it.each([
    ['"abc"', 'abc'],
    ['negative', -5],
    ['an object', { s: 1 }],
  ])('expires_in %s is malformed', async (_label, expiresIn) => {
    fake.on('POST', '/token', { json: { access_token: ACCESS, refresh_token: REFRESH, expires_in: expiresIn } });
    expectClean(await providerFailure(exchange()), 'malformed');
  });

  it('accepts expires_in as a numeric string', async () => {
    fake.on('POST', '/token', { json: { access_token: ACCESS, expires_in: '3599' } });
    expect((await exchange()).expiresIn).toBe(3599);
  });

  it('a response larger than 1 MiB is malformed', async () => {
    fake.on('POST', '/token', { json: { access_token: ACCESS, padding: 'x'.repeat(1024 * 1024 + 10) } });
    const error = await providerFailure(exchange());
    expectClean(error, 'malformed');
    expect(error.message).toMatch(/larger than 1048576 bytes/);
  });

  it('a response just under 1 MiB is read', async () => {
    fake.on('POST', '/token', { json: { access_token: ACCESS, padding: 'x'.repeat(1024 * 1024 - 100) } });
    expect((await exchange()).accessToken).toBe(ACCESS);
  });

  it('a server that never answers within PROVIDER_HTTP_TIMEOUT_MS is transient', async () => {
    // The answer (a valid token) comes after 5 s: a failure at all means the client gave up first.
    fake.on('POST', '/token', { delayMs: 5_000, json: { access_token: ACCESS } });
    const error = await providerFailure(exchange({ PROVIDER_HTTP_TIMEOUT_MS: '300' }));
    expectClean(error, 'transient');
    expect(error.message).toMatch(/within 300 ms/);
    expect(fake.requestsTo('POST', '/token')).toHaveLength(1); // asked once, not retried
  });

  it('a connection refused is transient', async () => {
    const closed = await startFakeProvider();
    const url = closed.url;
    await closed.close();
    const adapter = adapterFromFile('google', builtInOverrides('google', url, { clientId: 'gid', clientSecret: SECRET })).adapter;
    const error = await providerFailure(adapter.exchangeCode({ code: CODE, redirectUri: REDIRECT }));
    expect(error.failureClass).toBe('transient');
    for (const value of SENSITIVE) expect(error.message).not.toContain(value);
  });

  it.each([302, 307])('a %i redirect on the token endpoint is not followed and is malformed', async (status) => {
    fake.on('POST', '/token', { status, headers: { location: `${fake.url}/elsewhere?code=${CODE}` }, body: '' });
    fake.on('POST', '/elsewhere', { json: { access_token: 'from-redirect' } });
    fake.on('GET', '/elsewhere', { json: { access_token: 'from-redirect' } });
    const error = await providerFailure(exchange());
    expectClean(error, 'malformed');
    expect(error.details.status).toBe(status);
    expect(fake.requests.map((r) => r.path)).toEqual(['/token']);
  });

  it('401 invalid_client is invalid_client', async () => {
    fake.on('POST', '/token', {
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="oauth"' },
      json: { error: 'invalid_client', error_description: `Unauthorized: ${echo}` },
    });
    const error = await providerFailure(exchange());
    expectClean(error, 'invalid_client');
    expect(error.details).toMatchObject({ status: 401, providerCode: 'invalid_client' });
  });

  it('a bare 401 is invalid_client', async () => {
    fake.on('POST', '/token', { status: 401, body: 'Unauthorized' });
    expectClean(await providerFailure(exchange()), 'invalid_client');
  });

  it('400 invalid_grant (used or expired code) is invalid_grant', async () => {
    fake.on('POST', '/token', { status: 400, json: { error: 'invalid_grant', error_description: `Bad Request ${echo}` } });
    expectClean(await providerFailure(exchange()), 'invalid_grant');
  });

  it('an unknown OAuth error code is provider_error, and a 4xx without one is malformed', async () => {
    fake.on('POST', '/token', { status: 400, json: { error: 'invalid_scope', error_description: echo } });
    expectClean(await providerFailure(exchange()), 'provider_error');
    fake.on('POST', '/token', { status: 400, json: { message: echo } });
    expectClean(await providerFailure(exchange()), 'malformed');
  });

  it('a failed profile call does not leak the access token', async () => {
    fake.on('GET', '/v1/userinfo', {
      status: 401,
      headers: { 'www-authenticate': `Bearer error="invalid_token"` },
      json: { error: 'invalid_token', error_description: echo },
    });
    expectClean(await providerFailure(google().fetchProfile({ accessToken: ACCESS })), 'invalid_grant');
  });

  it('a failed revocation does not leak the tokens', async () => {
    fake.on('POST', '/revoke', { status: 400, json: { error: 'invalid_token', error_description: echo } });
    const error = await providerFailure(google().revoke({ accessToken: ACCESS, refreshToken: REFRESH }));
    for (const value of SENSITIVE) expect(error.message).not.toContain(value);
  });
});
