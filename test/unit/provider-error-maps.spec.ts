// Each built-in provider's error map (catalogue data, read by the shared adapter) against fake
// servers answering with the error bodies the providers send. Every fixture names where its body
// comes from and when that page was read.
import type { FailureClass } from '../../src/providers/provider.exception.js';
import { adapterFromFile, builtInOverrides, type FakeProvider, providerFailure, startFakeProvider } from '../helpers/fake-provider.js';

const REDIRECT = 'https://app.example.com/my/settings/social';
const CREDS = { clientId: 'client-id', clientSecret: 'client-secret' };
const STORED = { accessToken: 'stored-access-DO-NOT-LEAK', refreshToken: 'stored-refresh-DO-NOT-LEAK' };

let fake: FakeProvider;
beforeEach(async () => {
  fake = await startFakeProvider();
});
afterEach(() => fake.close());

const adapter = (id: string) => adapterFromFile(id, builtInOverrides(id, fake.url, CREDS)).adapter;

async function refreshFails(id: string, expected: FailureClass, providerCode?: string) {
  const error = await providerFailure(adapter(id).refresh(STORED));
  expect(error.failureClass).toBe(expected);
  if (providerCode) expect(error.details.providerCode).toBe(providerCode);
  expect(error.message).not.toContain(STORED.refreshToken);
  expect(error.message).not.toMatch(/Value passed|grant is invalid|expired or revoked/i); // the body's text is matched, never quoted
  return error;
}

describe('X', () => {
  const TOKEN = '/2/oauth2/token';

  // Body: what X sends for a spent, revoked or expired refresh token. X's docs
  // (docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code, read 2026-12-03) describe the
  // refresh grant but no error bodies; this one is recorded by several open-source X clients' tests.
  it('400 invalid_request "Value passed for the token was invalid." on refresh is a dead grant', async () => {
    fake.on('POST', TOKEN, { status: 400, json: { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' } });
    await refreshFails('x', 'invalid_grant', 'invalid_request');
  });

  // Body: X's answer to a spent or wrong authorization code (as reported in plhery/node-twitter-api-v2#496, read 2026-12-03).
  it('the same answer for a bad authorization code is a refused grant', async () => {
    fake.on('POST', TOKEN, {
      status: 400,
      json: { error: 'invalid_request', error_description: 'Value passed for the authorization code was invalid.', errors: [{ code: 'invalid_request' }] },
    });
    const error = await providerFailure(adapter('x').exchangeCode({ code: 'spent', redirectUri: REDIRECT, codeVerifier: 'v'.repeat(43) }));
    expect(error.failureClass).toBe('invalid_grant');
  });

  // RFC 6749 §5.2: invalid_request is a malformed request, which a dead grant is not: only X's message decides.
  it('another invalid_request (a missing parameter) stays a provider error, not a dead grant', async () => {
    fake.on('POST', TOKEN, { status: 400, json: { error: 'invalid_request', error_description: 'Missing required parameter [code_verifier].' } });
    await refreshFails('x', 'provider_error', 'invalid_request');
  });
});

describe('LinkedIn', () => {
  const TOKEN = '/oauth/v2/accessToken';

  // Lifetimes: learn.microsoft.com/linkedin/shared/authentication/programmatic-refresh-tokens (read
  // 2026-12-03): refresh tokens live 365 days from the first grant and LinkedIn may revoke them. The
  // body (LinkedIn documents none) is as operators' runbooks record it.
  it('400 invalid_request "...refresh token is invalid, expired or revoked" is a dead grant', async () => {
    fake.on('POST', TOKEN, {
      status: 400,
      json: { error: 'invalid_request', error_description: 'The provided authorization grant or refresh token is invalid, expired or revoked' },
    });
    await refreshFails('linkedin', 'invalid_grant', 'invalid_request');
  });

  it('400 invalid_grant is a dead grant too (RFC 6749)', async () => {
    fake.on('POST', TOKEN, { status: 400, json: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } });
    await refreshFails('linkedin', 'invalid_grant', 'invalid_grant');
  });

  it('an invalid_request about a missing parameter is not', async () => {
    fake.on('POST', TOKEN, { status: 400, json: { error: 'invalid_request', error_description: 'A required parameter "refresh_token" is missing' } });
    await refreshFails('linkedin', 'provider_error');
  });
});

describe('Pinterest', () => {
  const TOKEN = '/v5/oauth/token';

  // Body: Pinterest's own SDK, github.com/pinterest/pinterest-python-sdk/issues/114 (read 2026-12-03):
  // refreshing with an invalid refresh token answers 401 {"code":283,"message":"The authorization grant is invalid"}.
  // Errors are { code, message } (developers.pinterest.com/docs/getting-started/set-up-authentication-and-authorization/, read 2026-12-03).
  it('401 {"code":283} is a dead grant, not our credentials', async () => {
    fake.on('POST', TOKEN, { status: 401, json: { code: 283, message: 'The authorization grant is invalid' } });
    await refreshFails('pinterest', 'invalid_grant', 'code/283');
  });

  it('a 401 without a code the map knows is still taken as our credentials', async () => {
    fake.on('POST', TOKEN, { status: 401, body: 'Unauthorized' });
    await refreshFails('pinterest', 'invalid_client');
  });
});

describe('Meta Graph API (Instagram refresh, Facebook profile)', () => {
  // Bodies: developers.facebook.com/docs/graph-api/guides/error-handling (read 2026-12-03): `code` and
  // `error_subcode` are separate fields; 190 is an expired or invalid token, 460 "password changed".
  const graphError = (code: number, subcode?: number) => ({
    error: {
      message: 'Error validating access token: The session has been invalidated',
      type: 'OAuthException',
      code,
      ...(subcode === undefined ? {} : { error_subcode: subcode }),
      fbtrace_id: 'AbCdEf123',
    },
  });
  it.each<[string, number, number, number | undefined, FailureClass, string]>([
    ['code 190 with subcode 460 (password changed)', 400, 190, 460, 'invalid_grant', 'OAuthException/190/460'],
    ['code 190 with subcode 463 (expired)', 400, 190, 463, 'invalid_grant', 'OAuthException/190/463'],
    ['code 102 (API session) without subcode', 400, 102, undefined, 'invalid_grant', 'OAuthException/102'],
    ['code 4 (application request limit)', 403, 4, undefined, 'rate_limited', 'OAuthException/4'],
    ['code 2 (temporary service problem)', 400, 2, undefined, 'transient', 'OAuthException/2'],
    // 458-467 are subcodes: as a code they mean nothing of the kind.
    ['463 as a code, not a subcode', 400, 463, undefined, 'provider_error', 'OAuthException/463'],
    ['code 100 (invalid parameter) with an unrelated subcode', 400, 100, 33, 'provider_error', 'OAuthException/100/33'],
  ])('%s (HTTP %i)', async (_label, status, code, subcode, failureClass, providerCode) => {
    fake.on('GET', '/refresh_access_token', { status, json: graphError(code, subcode) });
    const error = await providerFailure(adapter('instagram').refresh({ accessToken: STORED.accessToken }));
    expect(error.failureClass).toBe(failureClass);
    expect(error.details.providerCode).toBe(providerCode);
    expect(error.message).not.toContain(STORED.accessToken);
  });

  it('Facebook reads the same map: 190/467 (user logged out) on the profile call is a dead grant', async () => {
    const { provider } = adapterFromFile('facebook', builtInOverrides('facebook', fake.url, CREDS));
    fake.on('GET', new URL(provider.userInfoUrl!).pathname, { status: 400, json: graphError(190, 467) });
    const error = await providerFailure(adapter('facebook').fetchProfile({ accessToken: STORED.accessToken }));
    expect(error.failureClass).toBe('invalid_grant');
    expect(error.details.providerCode).toBe('OAuthException/190/467');
  });
});

describe('TikTok API errors', () => {
  // Codes and statuses: developers.tiktok.com/doc/tiktok-api-v2-error-handling (read 2026-12-03).
  it.each<[string, number, FailureClass]>([
    ['access_token_invalid', 401, 'invalid_grant'],
    ['scope_not_authorized', 401, 'provider_error'],
    ['rate_limit_exceeded', 429, 'rate_limited'],
    ['internal_error', 500, 'transient'],
  ])('user info answering %s (HTTP %i) is %s', async (code, status, failureClass) => {
    fake.on('GET', '/v2/user/info/', { status, json: { data: {}, error: { code, message: 'documented message', log_id: '20261203000000000000ABCDEF' } } });
    const error = await providerFailure(adapter('tiktok').fetchProfile({ accessToken: STORED.accessToken }));
    expect(error.failureClass).toBe(failureClass);
    expect(error.details.providerCode).toBe(code);
  });
});
