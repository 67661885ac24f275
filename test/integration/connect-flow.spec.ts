import { createHash } from 'node:crypto';
import request from 'supertest';
import { startOidcServer, type OidcServer } from '../helpers/oidc-server.js';
import { oidcProviderEntry, REDIRECT_URI, writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe('connect flow against a standards-compliant authorization server', () => {
  let as: OidcServer;
  let t: TestApp;
  const alice = () => `Bearer ${t.userToken('alice')}`;

  beforeAll(async () => {
    as = await startOidcServer({ redirectUris: [REDIRECT_URI], accessTokenTtl: 3600 });
    const file = writeProvidersFile({
      acme: oidcProviderEntry(as),
      // A second platform on the same server, to prove states do not cross platforms.
      acme2: oidcProviderEntry(as, { displayName: 'Acme Two' }),
      // Revocation endpoint that refuses connections: disconnect must still succeed.
      deadrevoke: oidcProviderEntry(as, { revocationUrl: 'http://127.0.0.1:9/revoke' }),
      // The same server configured without its issuer: its iss is then unexpected.
      noiss: oidcProviderEntry(as, { issuer: undefined }),
    });
    t = await startTestApp({ env: { PROVIDERS_FILE: file, ACME_CLIENT_SECRET: as.clientSecret, OAUTH_REDIRECT_URI: REDIRECT_URI } });
  });
  afterAll(async () => {
    await t?.close();
    await as?.close();
  });

  async function connectUrl(platform = 'acme', auth = alice()): Promise<URL> {
    const res = await request(t.url).get(`/social/${platform}/connect-url`).set('Authorization', auth).expect(200);
    return new URL(res.body.url);
  }

  async function authorizeAndConnect(platform = 'acme', account = 'acct-1', expected = 200) {
    const url = await connectUrl(platform);
    const params = await as.authorize(url.toString(), account);
    const res = await request(t.url).post(`/social/${platform}/connect`).set('Authorization', alice()).send(params);
    expect({ status: res.status, body: res.body }).toEqual({ status: expected, body: expect.anything() });
    return res;
  }

  async function rawConnection(platform = 'acme') {
    const [row] = await t.dataSource.query('SELECT * FROM connections WHERE user_id = $1 AND platform = $2', ['alice', platform]);
    return row as Record<string, unknown> | undefined;
  }

  it('lists the custom platform publicly, without credentials', async () => {
    const res = await request(t.url).get('/social/platforms').expect(200);
    expect(res.body).toEqual(
      expect.arrayContaining([{ id: 'acme', displayName: 'Acme ID', scopes: ['openid', 'profile', 'offline_access', 'api'], assetKinds: [] }]),
    );
    expect(JSON.stringify(res.body)).not.toContain(as.clientSecret);
  });

  it('builds an authorization URL with a strong state and a PKCE S256 challenge', async () => {
    const url = await connectUrl();
    expect(url.origin + url.pathname).toBe(as.authorizationUrl);
    expect(url.searchParams.get('client_id')).toBe(as.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')!.length).toBeGreaterThanOrEqual(22); // ≥128 bits, base64url
    const [state] = await t.dataSource.query('SELECT * FROM oauth_states ORDER BY created_at DESC LIMIT 1');
    expect(state.state_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(state.state_hash).not.toBe(url.searchParams.get('state'));
    expect(state.code_verifier).toMatch(/^v1:k1:/);
    expect(new Date(state.expires_at).getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
  });

  it('connects, reports status, and disconnects with revocation at the provider', async () => {
    const connected = await authorizeAndConnect('acme', 'acct-1');
    expect(connected.body).toEqual({
      connected: true,
      connectionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      platform: 'acme',
      accountId: 'acct-1',
      username: 'user_acct-1',
      reconnected: false,
      missingScopes: [],
    });

    const status = (await request(t.url).get('/social/acme/status').set('Authorization', alice()).expect(200)).body;
    expect(status).toMatchObject({ connected: true, platform: 'acme', accountId: 'acct-1', username: 'user_acct-1', status: 'active' });
    expect(status.scopes).toEqual(expect.arrayContaining(['openid', 'offline_access']));
    expect(new Date(status.accessTokenExpiresAt).getTime()).toBeGreaterThan(Date.now() + 3000_000);
    const list = (await request(t.url).get('/social/connections').set('Authorization', alice()).expect(200)).body;
    expect(list.map((c: { platform: string }) => c.platform)).toEqual(['acme']);

    // Stored tokens are encrypted, and they work at the provider.
    const row = (await rawConnection())!;
    expect(row.access_token).toMatch(/^v1:k1:/);
    expect(row.refresh_token).toMatch(/^v1:k1:/);
    const { Connection } = await import('../../src/connections/connection.entity.js');
    const entity = await t.dataSource.getRepository(Connection).findOneByOrFail({ userId: 'alice', platform: 'acme' });
    const accessToken = entity.accessToken.reveal();
    const refreshToken = entity.refreshToken!.reveal();
    expect(JSON.stringify(await t.dataSource.query('SELECT * FROM connections'))).not.toContain(accessToken);
    expect(JSON.stringify(await t.dataSource.query('SELECT * FROM connections'))).not.toContain(refreshToken);
    expect((await as.introspect(accessToken)).active).toBe(true);
    expect(JSON.stringify(status)).not.toContain(accessToken);

    await request(t.url).delete('/social/acme/disconnect').set('Authorization', alice()).expect(200, { connected: false, disconnected: 1 });
    expect((await as.introspect(refreshToken)).active).toBe(false);
    expect((await as.introspect(accessToken)).active).toBe(false);
    expect(await rawConnection()).toBeUndefined();
    await request(t.url).get('/social/acme/status').set('Authorization', alice()).expect(200, { connected: false, platform: 'acme', connections: [] });
    // Idempotent.
    await request(t.url).delete('/social/acme/disconnect').set('Authorization', alice()).expect(200, { connected: false, disconnected: 0 });
    expect(t.logs.join('\n')).not.toContain(accessToken);
  });

  it('replaces tokens when the user connects the same account again', async () => {
    await authorizeAndConnect('acme', 'acct-1');
    const before = (await rawConnection())!;
    const again = await authorizeAndConnect('acme', 'acct-1');
    expect(again.body).toMatchObject({ connectionId: before.id, reconnected: true });
    const after = (await rawConnection())!;
    expect(after.id).toBe(before.id);
    expect(after.account_id).toBe('acct-1');
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.reconnect_count).toBe((before.reconnect_count as number) + 1);
  });

  describe('rejects bad input with a 4xx and leaves the connection unchanged', () => {
    let before: Record<string, unknown>;
    let codeExchanges: number;
    beforeAll(async () => {
      await authorizeAndConnect('acme', 'acct-1');
      before = (await rawConnection())!;
    });
    beforeEach(() => {
      codeExchanges = as.counts().tokenRequests.authorization_code ?? 0;
    });
    afterEach(async () => {
      expect(await rawConnection()).toEqual(before);
    });

    const post = (platform: string, body: object, auth = alice()) => request(t.url).post(`/social/${platform}/connect`).set('Authorization', auth).send(body);

    it('a replayed state', async () => {
      const params = await as.authorize((await connectUrl()).toString(), 'acct-9');
      await request(t.url)
        .post('/social/acme/connect')
        .set('Authorization', alice())
        .send({ ...params, iss: 'https://evil.example' })
        .expect(400);
      const res = await post('acme', params).expect(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'invalid_state', message: expect.any(String) });
    });

    it('an expired state', async () => {
      const url = await connectUrl();
      const params = await as.authorize(url.toString(), 'acct-9');
      await t.dataSource.query("UPDATE oauth_states SET expires_at = now() - interval '1 second' WHERE used_at IS NULL");
      expect((await post('acme', params).expect(400)).body.error).toBe('state_expired');
    });

    it("another user's state, which stays usable by its owner", async () => {
      const params = await as.authorize((await connectUrl()).toString(), 'acct-9');
      expect((await post('acme', params, `Bearer ${t.userToken('mallory')}`).expect(400)).body.error).toBe('invalid_state');
      // Mallory's attempt did not burn Alice's state.
      const hash = createHash('sha256').update(params.state!).digest('hex');
      const [row] = await t.dataSource.query('SELECT user_id, used_at FROM oauth_states WHERE state_hash = $1', [hash]);
      expect(row).toEqual({ user_id: 'alice', used_at: null });
    });

    it('a state from another platform', async () => {
      const params = await as.authorize((await connectUrl('acme2')).toString(), 'acct-9');
      expect((await post('acme', params).expect(400)).body.error).toBe('invalid_state');
    });

    it('a tampered state', async () => {
      const params = await as.authorize((await connectUrl()).toString(), 'acct-9');
      expect((await post('acme', { ...params, state: `${params.state}x` }).expect(400)).body.error).toBe('invalid_state');
    });

    it('an iss that is not the provider (mix-up defence), which ends the attempt', async () => {
      const params = await as.authorize((await connectUrl()).toString(), 'acct-9');
      expect(params.iss).toBe(as.issuer);
      const res = await post('acme', { ...params, iss: 'https://attacker.example' }).expect(400);
      expect(res.body.error).toBe('issuer_mismatch');
      expect((await post('acme', params).expect(400)).body.error).toBe('invalid_state');
      expect(as.counts().tokenRequests.authorization_code ?? 0).toBe(codeExchanges); // nothing was exchanged
    });

    it('a code response without iss from a provider that declares an issuer (RFC 9207), which ends the attempt', async () => {
      const { iss, ...params } = await as.authorize((await connectUrl()).toString(), 'acct-9');
      expect(iss).toBe(as.issuer);
      const res = await post('acme', params).expect(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'issuer_missing', message: expect.stringContaining('iss') });
      // The state is spent like on every other refused response; the genuine iss cannot revive it.
      expect((await post('acme', { ...params, iss }).expect(400)).body.error).toBe('invalid_state');
      expect(as.counts().tokenRequests.authorization_code ?? 0).toBe(codeExchanges);
    });

    it('a denial without iss is still access_denied; a denial naming another issuer is issuer_mismatch', async () => {
      const { iss: _iss, ...denied } = await as.deny((await connectUrl()).toString(), 'acct-9');
      expect((await post('acme', denied).expect(400)).body.error).toBe('access_denied');
      const other = await as.deny((await connectUrl()).toString(), 'acct-9');
      expect((await post('acme', { ...other, iss: 'https://attacker.example' }).expect(400)).body.error).toBe('issuer_mismatch');
    });

    it('an iss for a provider that declares no issuer', async () => {
      const params = await as.authorize((await connectUrl('noiss')).toString(), 'acct-9');
      expect(params.iss).toBe(as.issuer);
      const res = await post('noiss', params).expect(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'issuer_mismatch', message: expect.stringContaining('declares none') });
      expect(await rawConnection('noiss')).toBeUndefined();
      // Without iss the same provider connects.
      const again = await as.authorize((await connectUrl('noiss')).toString(), 'acct-9');
      await post('noiss', { code: again.code, state: again.state }).expect(200);
      await request(t.url).delete('/social/noiss/disconnect').set('Authorization', alice()).expect(200);
    });

    it('a user who denied access', async () => {
      const params = await as.deny((await connectUrl()).toString(), 'acct-9');
      expect(params.error).toBe('access_denied');
      expect((await post('acme', params).expect(400)).body.error).toBe('access_denied');
      expect((await post('acme', params).expect(400)).body.error).toBe('invalid_state'); // consumed
    });

    it('a code the provider rejects (invalid_grant)', async () => {
      const params = await as.authorize((await connectUrl()).toString(), 'acct-9');
      const res = await post('acme', { ...params, code: 'not-the-code' }).expect(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'provider_error', message: expect.stringContaining('invalid_grant') });
    });

    it.each([
      ['an OAuth error', { status: 400, body: { error: 'invalid_request', error_description: 'secret detail' } }, 400, 'provider_error'],
      ['a token response without access_token', { status: 200, body: { token_type: 'Bearer' } }, 424, 'provider_unavailable'],
      ['a non-numeric expires_in', { status: 200, body: { access_token: 'leaky-token', expires_in: 'soon' } }, 424, 'provider_unavailable'],
      ['an HTML 502', { status: 502, raw: '<html><body>Bad gateway</body></html>' }, 424, 'provider_unavailable'],
      ['a 503 with Retry-After', { status: 503, body: { error: 'temporarily_unavailable' }, headers: { 'Retry-After': '7' } }, 424, 'provider_unavailable'],
      ['invalid_client', { status: 401, body: { error: 'invalid_client' } }, 424, 'provider_misconfigured'],
    ])('%s from the token endpoint', async (_name, failure, status, code) => {
      const params = await as.authorize((await connectUrl()).toString(), 'acct-9');
      as.failNext(1, failure);
      const res = await post('acme', params).expect(status);
      expect(res.body.error).toBe(code);
      expect(JSON.stringify(res.body)).not.toMatch(/secret detail|leaky-token|html/i);
      if ('headers' in failure) expect(res.headers['retry-after']).toBe('7');
    });

    it('malformed bodies and platform ids', async () => {
      expect((await post('acme', { state: 's' }).expect(400)).body.error).toBe('validation_failed');
      expect((await post('acme', { code: 'c', state: 's', extra: 1 }).expect(400)).body.error).toBe('validation_failed');
      expect((await post('acme', { code: 12, state: 's' }).expect(400)).body.error).toBe('validation_failed');
      expect((await post('nope', { code: 'c', state: 's' }).expect(404)).body.error).toBe('unknown_platform');
      expect((await post('UPPER', { code: 'c', state: 's' }).expect(400)).body.error).toBe('validation_failed');
      expect((await request(t.url).get('/social/..%2f..%2fetc/status').set('Authorization', alice())).status).toBeGreaterThanOrEqual(400);
    });
  });

  it('disconnects even when revocation fails', async () => {
    await authorizeAndConnect('deadrevoke', 'acct-3');
    await request(t.url).delete('/social/deadrevoke/disconnect').set('Authorization', alice()).expect(200, { connected: false, disconnected: 1 });
    expect(await rawConnection('deadrevoke')).toBeUndefined();
    expect(t.logs.join('\n')).toMatch(/Revocation at deadrevoke failed/);
  });

  it('limits how many connection attempts one user may leave pending', async () => {
    const bob = `Bearer ${t.userToken('bob')}`;
    for (let i = 0; i < 20; i++) await connectUrl('acme', bob);
    const res = await request(t.url).get('/social/acme/connect-url').set('Authorization', bob).expect(429);
    expect(res.body.error).toBe('too_many_pending_states');
  });
});

describe('isolation and abuse limits', () => {
  let as: OidcServer;
  let t: TestApp;

  beforeAll(async () => {
    as = await startOidcServer({ redirectUris: [REDIRECT_URI] });
    t = await startTestApp({
      env: { PROVIDERS_FILE: writeProvidersFile({ acme: oidcProviderEntry(as) }), ACME_CLIENT_SECRET: as.clientSecret, OAUTH_REDIRECT_URI: REDIRECT_URI },
    });
  });
  afterAll(async () => {
    await t?.close();
    await as?.close();
  });

  it("a user can neither see nor disconnect another user's connection", async () => {
    const alice = `Bearer ${t.userToken('alice')}`;
    const bob = `Bearer ${t.userToken('bob')}`;
    const url = (await request(t.url).get('/social/acme/connect-url').set('Authorization', alice).expect(200)).body.url;
    await request(t.url)
      .post('/social/acme/connect')
      .set('Authorization', alice)
      .send(await as.authorize(url, 'acct-a'))
      .expect(200);
    await request(t.url).get('/social/acme/status').set('Authorization', bob).expect(200, { connected: false, platform: 'acme', connections: [] });
    await request(t.url).get('/social/connections').set('Authorization', bob).expect(200, []);
    await request(t.url).delete('/social/acme/disconnect').set('Authorization', bob).expect(200, { connected: false, disconnected: 0 });
    const [mine] = (await request(t.url).get('/social/connections').set('Authorization', alice).expect(200)).body;
    await request(t.url).delete(`/social/connections/${mine.connectionId}`).set('Authorization', bob).expect(404);
    await request(t.url).patch(`/social/connections/${mine.connectionId}`).set('Authorization', bob).send({ label: 'mine now' }).expect(404);
    expect((await request(t.url).get('/social/acme/status').set('Authorization', alice).expect(200)).body.connected).toBe(true);
  });

  it('rate-limits connect-url per user', async () => {
    const carol = `Bearer ${t.userToken('carol')}`;
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      statuses.push((await request(t.url).get('/social/acme/connect-url').set('Authorization', carol)).status);
      await t.dataSource.query(`DELETE FROM oauth_states WHERE user_id = 'carol'`); // stay under the pending-state cap
    }
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    const last = await request(t.url).get('/social/acme/connect-url').set('Authorization', carol).expect(429);
    expect(last.body.error).toBe('too_many_requests');
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    await request(t.url)
      .get('/social/acme/connect-url')
      .set('Authorization', `Bearer ${t.userToken('dave')}`)
      .expect(200);
  });
});
