import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { startOidcServer, type OidcServer } from '../helpers/oidc-server.js';
import { oidcProviderEntry, REDIRECT_URI, writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// A job reports an access token the provider refused (issue 15), against a real authorization
// server: the current token is refreshed at once; a token that nothing can refresh is checked with
// the provider's userinfo; the token it replaced answers the current one; anything else is refused.

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

describe('POST /social/connections/:connectionId/token-rejected', () => {
  let as: OidcServer;
  let t: TestApp;
  const svc = (platforms?: string[]) => `Bearer ${t.serviceToken('publisher', { platforms })}`;

  beforeAll(async () => {
    as = await startOidcServer({ redirectUris: [REDIRECT_URI] });
    const file = writeProvidersFile({
      acme: oidcProviderEntry(as),
      // No offline_access: no refresh token, so only the provider can say whether a token is dead.
      once: oidcProviderEntry(as, { displayName: 'Acme once', scopes: ['openid', 'profile', 'api'] }),
    });
    t = await startTestApp({ env: { PROVIDERS_FILE: file, ACME_CLIENT_SECRET: as.clientSecret, OAUTH_REDIRECT_URI: REDIRECT_URI, REFRESH_CRON: 'off' } });
  });
  afterAll(async () => {
    await t?.close();
    await as?.close();
  });

  async function connect(user: string, platform = 'acme'): Promise<{ connectionId: string; accessToken: string }> {
    const auth = `Bearer ${t.userToken(user)}`;
    const { url } = (await request(t.url).get(`/social/${platform}/connect-url`).set('Authorization', auth).expect(200)).body;
    await request(t.url)
      .post(`/social/${platform}/connect`)
      .set('Authorization', auth)
      .send(await as.authorize(url, `acct-${user}`))
      .expect(200);
    return (await request(t.url).post(`/social/${platform}/internal-token`).set('Authorization', svc()).send({ userId: user }).expect(200)).body;
  }
  const report = (connectionId: string, token: string, auth = svc()) =>
    request(t.url)
      .post(`/social/connections/${connectionId}/token-rejected`)
      .set('Authorization', auth)
      .send({ accessTokenHash: sha256(token), status: 401, error: 'invalid_token' });

  it('the current token: refreshed now, and the new token answered; the old one then answers the current one', async () => {
    const { connectionId, accessToken } = await connect('rita');
    const refreshes = as.counts().tokenRequests.refresh_token ?? 0;
    const res = await report(connectionId, accessToken);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ outcome: 'refreshed', connectionId, accountId: 'acct-rita' });
    expect(res.body.accessToken).not.toBe(accessToken);
    expect(as.counts().tokenRequests.refresh_token).toBe(refreshes + 1);
    expect((await as.introspect(res.body.accessToken)).active).toBe(true);

    const again = await report(connectionId, accessToken);
    expect(again.body).toMatchObject({ outcome: 'superseded', accessToken: res.body.accessToken });
    expect(as.counts().tokenRequests.refresh_token).toBe(refreshes + 1);
  });

  it('a token that is not this connection’s is refused, without a provider call', async () => {
    const { connectionId } = await connect('sam');
    const other = await connect('tom');
    const calls = JSON.stringify(as.counts());
    for (const token of [randomBytes(32).toString('base64url'), other.accessToken]) {
      const res = await report(connectionId, token);
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 409, error: 'token_unknown' });
    }
    expect(JSON.stringify(as.counts())).toBe(calls);
  });

  it('an unknown connection, or one of a platform the service token excludes: 404; a malformed report: 400', async () => {
    const { connectionId, accessToken } = await connect('uma');
    for (const [id, auth] of [
      ['3f2b8c1e-5d4a-4e7b-9c6f-1a2b3c4d5e6f', svc()],
      [connectionId, svc(['once'])],
    ] as const) {
      const res = await report(id, accessToken, auth);
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 404, error: 'not_connected' });
    }
    for (const body of [
      { accessTokenHash: 'abc', status: 401 },
      { accessTokenHash: sha256(accessToken), status: 42 },
      { accessTokenHash: sha256(accessToken) },
    ]) {
      const res = await request(t.url).post(`/social/connections/${connectionId}/token-rejected`).set('Authorization', svc()).send(body);
      expect({ body, status: res.status, error: res.body.error }).toEqual({ body, status: 400, error: 'validation_failed' });
    }
    const noAuth = await request(t.url)
      .post(`/social/connections/${connectionId}/token-rejected`)
      .send({ accessTokenHash: sha256(accessToken), status: 401 });
    expect(noAuth.status).toBe(401);
  });

  it('is rate-limited per connection', async () => {
    const { connectionId, accessToken } = await connect('vic');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await report(connectionId, accessToken)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('no refresh token: the provider still accepts it → the current token (valid); the provider refuses it → needs_reauth', async () => {
    const { connectionId, accessToken } = await connect('wes', 'once');
    const valid = await report(connectionId, accessToken);
    expect(valid.body).toMatchObject({ outcome: 'valid', accessToken });

    // The user revokes the app at the provider: userinfo now answers 401.
    const form = new URLSearchParams({ token: accessToken, client_id: as.clientId, client_secret: as.clientSecret });
    expect((await fetch(as.revocationUrl, { method: 'POST', body: form })).status).toBe(200);
    const dead = await report(connectionId, accessToken);
    expect({ status: dead.status, error: dead.body.error }).toEqual({ status: 409, error: 'reauth_required' });
    const [row] = await t.dataSource.query('SELECT status, last_refresh_error FROM connections WHERE id = $1', [connectionId]);
    expect(row).toEqual({ status: 'needs_reauth', last_refresh_error: 'rejected' });
    const token = await request(t.url).post('/social/once/internal-token').set('Authorization', svc()).send({ userId: 'wes' });
    expect(token.body.error).toBe('reauth_required');
  });
});
