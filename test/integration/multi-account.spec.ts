import request from 'supertest';
import { startOidcServer, type OidcServer } from '../helpers/oidc-server.js';
import { oidcProviderEntry, REDIRECT_URI, writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { type Receiver, startReceiver } from '../helpers/webhook-receiver.js';

// Several accounts per (user, platform), reconnect in place, and the scope contract, against a
// real authorization server whose simulated user can untick scopes on its consent screen.

describe('several accounts per platform, reconnects and scopes', () => {
  let as: OidcServer;
  let t: TestApp;
  let receiver: Receiver;
  const user = (sub: string) => `Bearer ${t.userToken(sub)}`;
  const svc = () => `Bearer ${t.serviceToken('publisher')}`;

  beforeAll(async () => {
    as = await startOidcServer({ redirectUris: [REDIRECT_URI] });
    receiver = await startReceiver();
    const file = writeProvidersFile({
      acme: oidcProviderEntry(as),
      // A publishing job needs `api`: a grant without it is a connection with a missing scope.
      pub: oidcProviderEntry(as, { displayName: 'Publisher', requiredScopes: ['api'] }),
    });
    t = await startTestApp({
      env: {
        PROVIDERS_FILE: file,
        ACME_CLIENT_SECRET: as.clientSecret,
        OAUTH_REDIRECT_URI: REDIRECT_URI,
        MAX_CONNECTIONS_PER_PLATFORM: '3',
        WEBHOOK_URL: `${receiver.url}/hooks`,
        WEBHOOK_SECRET: 'webhook-secret-for-tests-0123456789abcdef',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await as?.close();
    await receiver?.close();
  });

  async function connectUrl(sub: string, platform = 'acme', query: Record<string, string> = {}) {
    const res = await request(t.url).get(`/social/${platform}/connect-url`).query(query).set('Authorization', user(sub));
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 200, error: undefined });
    return res.body.url as string;
  }

  async function connect(sub: string, account: string, opts: { platform?: string; query?: Record<string, string>; withhold?: string[] } = {}) {
    const platform = opts.platform ?? 'acme';
    const params = await as.authorize(await connectUrl(sub, platform, opts.query), account, { withhold: opts.withhold });
    return request(t.url).post(`/social/${platform}/connect`).set('Authorization', user(sub)).send(params);
  }

  const rows = (sub: string) =>
    t.dataSource.query('SELECT id, account_id, access_token, refresh_token, scopes, token_version FROM connections WHERE user_id = $1 ORDER BY id', [
      sub,
    ]) as Promise<Record<string, unknown>[]>;
  const internalToken = (platform: string, body: Record<string, unknown>) =>
    request(t.url).post(`/social/${platform}/internal-token`).set('Authorization', svc()).send(body);
  const events = async (connectionId: string) =>
    (
      (await t.dataSource.query("SELECT event_type, payload FROM webhook_outbox WHERE payload->>'connectionId' = $1 ORDER BY id", [connectionId])) as {
        event_type: string;
        payload: Record<string, unknown>;
      }[]
    ).map((e) => ({ type: e.event_type, ...e.payload }));

  it('holds two accounts of one platform for one user, lists both, and status describes the latest', async () => {
    const a = await connect('ana', 'acct-a');
    const b = await connect('ana', 'acct-b');
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body).toMatchObject({ connected: true, platform: 'acme', accountId: 'acct-a', reconnected: false });
    expect(b.body).toMatchObject({ accountId: 'acct-b', reconnected: false });
    expect(a.body.connectionId).not.toBe(b.body.connectionId);

    const list = (await request(t.url).get('/social/connections').set('Authorization', user('ana')).expect(200)).body;
    expect(list.map((c: { connectionId: string; accountId: string }) => [c.connectionId, c.accountId])).toEqual([
      [b.body.connectionId, 'acct-b'],
      [a.body.connectionId, 'acct-a'],
    ]);
    expect(list[0]).toEqual({
      connectionId: b.body.connectionId,
      platform: 'acme',
      accountId: 'acct-b',
      username: 'user_acct-b',
      label: null,
      status: 'active',
      grantedScopes: expect.arrayContaining(['openid', 'api']),
      scopesSource: 'token',
      missingScopes: [],
      connectedAt: expect.any(String),
      accessTokenExpiresAt: expect.any(String),
      connected: true,
      scopes: list[0].grantedScopes,
    });
    const status = (await request(t.url).get('/social/acme/status').set('Authorization', user('ana')).expect(200)).body;
    expect(status).toMatchObject({ connected: true, connectionId: b.body.connectionId, accountId: 'acct-b' });
    expect(status.connections).toEqual(list);
  });

  it('two users may connect the same provider account: each gets their own connection', async () => {
    const mine = await connect('team-1', 'shared-acct');
    const theirs = await connect('team-2', 'shared-acct');
    expect([mine.status, theirs.status]).toEqual([200, 200]);
    expect(mine.body.connectionId).not.toBe(theirs.body.connectionId);
    expect(theirs.body.reconnected).toBe(false);
  });

  it('connecting an account the user already has updates that connection in place', async () => {
    const first = await connect('ben', 'acct-1');
    const [before] = await rows('ben');
    const again = await connect('ben', 'acct-1');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ connectionId: first.body.connectionId, reconnected: true });
    const after = await rows('ben');
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(before!.id);
    expect(after[0]!.access_token).not.toBe(before!.access_token);
    expect(after[0]!.token_version).toBe((before!.token_version as number) + 1);
    expect((await events(first.body.connectionId)).map((e) => e.type)).toEqual(['connection.created', 'connection.reconnected']);
  });

  it('a reconnect link for account A that comes back with account B answers 409 account_mismatch and changes nothing', async () => {
    const a = await connect('cleo', 'acct-a');
    await connect('cleo', 'acct-b');
    const before = await rows('cleo');
    const codeExchanges = as.counts().tokenRequests.authorization_code ?? 0;

    // B is connected already: neither connection changes.
    const mismatch = await connect('cleo', 'acct-b', { query: { connectionId: a.body.connectionId } });
    expect({ status: mismatch.status, error: mismatch.body.error }).toEqual({ status: 409, error: 'account_mismatch' });
    // C is not connected: no connection appears.
    const other = await connect('cleo', 'acct-c', { query: { connectionId: a.body.connectionId } });
    expect({ status: other.status, error: other.body.error }).toEqual({ status: 409, error: 'account_mismatch' });
    expect(await rows('cleo')).toEqual(before);
    expect(as.counts().tokenRequests.authorization_code).toBe(codeExchanges + 2);
    expect((await events(a.body.connectionId)).map((e) => e.type)).toEqual(['connection.created']);

    // The same account through the link: same connection, new tokens.
    const same = await connect('cleo', 'acct-a', { query: { connectionId: a.body.connectionId } });
    expect(same.body).toMatchObject({ connectionId: a.body.connectionId, reconnected: true, accountId: 'acct-a' });
    const after = await rows('cleo');
    const [was, now] = [before.find((r) => r.id === a.body.connectionId)!, after.find((r) => r.id === a.body.connectionId)!];
    expect(now.access_token).not.toBe(was.access_token);
  });

  it('a reconnect link names only the user’s own connection of that platform', async () => {
    const a = await connect('dora', 'acct-a');
    for (const [sub, platform] of [
      ['eve', 'acme'],
      ['dora', 'pub'],
    ] as const) {
      const res = await request(t.url).get(`/social/${platform}/connect-url`).query({ connectionId: a.body.connectionId }).set('Authorization', user(sub));
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 404, error: 'not_connected' });
    }
    const bad = await request(t.url).get('/social/acme/connect-url').query({ connectionId: 'not-a-uuid' }).set('Authorization', user('dora'));
    expect({ status: bad.status, error: bad.body.error }).toEqual({ status: 400, error: 'validation_failed' });
  });

  it('refuses a new account beyond MAX_CONNECTIONS_PER_PLATFORM, but a reconnect of a connected one still works', async () => {
    for (const acct of ['m1', 'm2', 'm3']) expect((await connect('max', acct)).status).toBe(200);
    const fourth = await connect('max', 'm4');
    expect({ status: fourth.status, error: fourth.body.error }).toEqual({ status: 409, error: 'too_many_connections' });
    expect(fourth.body.message).toContain('at most 3');
    expect(await rows('max')).toHaveLength(3);
    expect((await connect('max', 'm2')).body).toMatchObject({ reconnected: true });
  });

  describe('internal-token picks one connection', () => {
    let a: { connectionId: string };
    let b: { connectionId: string };
    beforeAll(async () => {
      a = (await connect('fay', 'acct-a')).body;
      b = (await connect('fay', 'acct-b')).body;
      await request(t.url).patch(`/social/connections/${a.connectionId}`).set('Authorization', user('fay')).send({ label: 'Brand' }).expect(200);
    });

    it('several and none named: 409 connection_ambiguous with the candidates', async () => {
      const res = await internalToken('acme', { userId: 'fay' });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({
        statusCode: 409,
        error: 'connection_ambiguous',
        message: expect.stringContaining('2 acme connections'),
        candidates: [
          { connectionId: b.connectionId, accountId: 'acct-b', label: null, username: 'user_acct-b' },
          { connectionId: a.connectionId, accountId: 'acct-a', label: 'Brand', username: 'user_acct-a' },
        ],
      });
      expect(JSON.stringify(res.body)).not.toMatch(/access|refresh/i);
    });

    it('by connectionId or by accountId: that connection, with connectionId and grantedScopes', async () => {
      const byId = await internalToken('acme', { userId: 'fay', connectionId: a.connectionId });
      const byAccount = await internalToken('acme', { userId: 'fay', accountId: 'acct-b' });
      expect([byId.status, byAccount.status]).toEqual([200, 200]);
      expect(byId.body).toMatchObject({ connectionId: a.connectionId, accountId: 'acct-a', grantedScopes: expect.arrayContaining(['api']) });
      expect(byAccount.body).toMatchObject({ connectionId: b.connectionId, accountId: 'acct-b' });
      expect(byId.body.accessToken).not.toBe(byAccount.body.accessToken);
      expect((await as.introspect(byId.body.accessToken)).sub).toBe('acct-a');
    });

    it('a connectionId of another user or platform, or an unknown accountId: 404 not_connected', async () => {
      const gil = (await connect('gil', 'acct-g')).body;
      const pub = (await connect('fay', 'acct-a', { platform: 'pub' })).body;
      for (const [platform, body] of [
        ['acme', { userId: 'fay', connectionId: gil.connectionId }],
        ['acme', { userId: 'fay', connectionId: pub.connectionId }],
        ['acme', { userId: 'fay', accountId: 'acct-zzz' }],
      ] as const) {
        const res = await internalToken(platform, body);
        expect({ status: res.status, error: res.body.error }).toEqual({ status: 404, error: 'not_connected' });
      }
    });

    it('requiredScopes: served when granted; 409 insufficient_scope with what to ask for, without calling the provider, when not', async () => {
      const ok = await internalToken('acme', { userId: 'fay', connectionId: a.connectionId, requiredScopes: ['api', 'openid'] });
      expect(ok.status).toBe(200);
      const narrow = (await connect('hal', 'acct-h', { withhold: ['api'] })).body;
      const calls = JSON.stringify(as.counts());
      const res = await internalToken('acme', { userId: 'hal', requiredScopes: ['api'] });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({
        statusCode: 409,
        error: 'insufficient_scope',
        message: expect.stringContaining('api'),
        missingScopes: ['api'],
        connectUrlParams: { connectionId: narrow.connectionId, scopes: 'api' },
      });
      expect(JSON.stringify(as.counts())).toBe(calls);
    });

    it('refuses malformed selectors with 400', async () => {
      for (const body of [
        { userId: 'fay', connectionId: 'nope' },
        { userId: 'fay', requiredScopes: 'api' },
        { userId: 'fay', requiredScopes: ['has space'] },
        { userId: 'fay', accountId: '' },
      ]) {
        const res = await internalToken('acme', body);
        expect({ body, status: res.status, error: res.body.error }).toEqual({ body, status: 400, error: 'validation_failed' });
      }
    });
  });

  describe('the scope contract', () => {
    it('a grant without a required scope connects, and shows missingScopes in the answer, the list, the status and the webhook', async () => {
      const res = await connect('ivy', 'acct-i', { platform: 'pub', withhold: ['api'] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ connected: true, missingScopes: ['api'] });
      const [listed] = (await request(t.url).get('/social/connections').set('Authorization', user('ivy')).expect(200)).body;
      expect(listed).toMatchObject({ missingScopes: ['api'], scopesSource: 'token' });
      expect(listed.grantedScopes).not.toContain('api');
      const status = (await request(t.url).get('/social/pub/status').set('Authorization', user('ivy')).expect(200)).body;
      expect(status.missingScopes).toEqual(['api']);
      const [created] = await events(res.body.connectionId);
      expect(created).toMatchObject({ type: 'connection.created', missingScopes: ['api'], grantedScopes: listed.grantedScopes });

      // The admin API shows the same, with the label and the reconnect history.
      const admin = { Authorization: `Bearer ${await t.adminKey()}` };
      await request(t.url).patch(`/social/connections/${res.body.connectionId}`).set('Authorization', user('ivy')).send({ label: 'Shop' }).expect(200);
      const detail = (await request(t.url).get(`/admin/api/connections/${res.body.connectionId}`).set(admin).expect(200)).body;
      expect(detail).toMatchObject({ label: 'Shop', missingScopes: ['api'], scopesSource: 'token', reconnectCount: 0, reconnectedAt: null });
      expect(detail.requestedScopes).toContain('api');

      // Reconnecting with the scope ticked clears it.
      const fixed = await connect('ivy', 'acct-i', { platform: 'pub', query: { connectionId: res.body.connectionId } });
      expect(fixed.body).toMatchObject({ connectionId: res.body.connectionId, reconnected: true, missingScopes: [] });
      const after = (await request(t.url).get(`/admin/api/connections/${res.body.connectionId}`).set(admin).expect(200)).body;
      expect(after).toMatchObject({ label: 'Shop', missingScopes: [], reconnectCount: 1, reconnectedAt: expect.any(String) });
    });

    it('connect-url scopes ask for more on top of the platform’s, and a reconnect keeps them', async () => {
      const url = new URL(await connectUrl('jo', 'acme', { scopes: 'email' }));
      expect(url.searchParams.get('scope')!.split(' ')).toEqual(['openid', 'profile', 'offline_access', 'api', 'email']);
      const res = await request(t.url)
        .post('/social/acme/connect')
        .set('Authorization', user('jo'))
        .send(await as.authorize(url.toString(), 'acct-j'));
      expect(res.status).toBe(200);
      const [c] = (await request(t.url).get('/social/connections').set('Authorization', user('jo')).expect(200)).body;
      expect(c.grantedScopes).toContain('email');
      const again = new URL(await connectUrl('jo', 'acme', { connectionId: c.connectionId }));
      expect(again.searchParams.get('scope')!.split(' ')).toContain('email');
      const bad = await request(t.url).get('/social/acme/connect-url').query({ scopes: 'a b' }).set('Authorization', user('jo'));
      expect({ status: bad.status, error: bad.body.error }).toEqual({ status: 400, error: 'validation_failed' });
    });
  });

  describe('labels and disconnecting one', () => {
    it('sets, clears and validates a label', async () => {
      const { connectionId } = (await connect('kim', 'acct-k')).body;
      const path = `/social/connections/${connectionId}`;
      expect((await request(t.url).patch(path).set('Authorization', user('kim')).send({ label: 'Client: Acme café' }).expect(200)).body).toMatchObject({
        connectionId,
        label: 'Client: Acme café',
      });
      for (const label of ['', 'x'.repeat(81), 'bad\nlabel', 42]) {
        const res = await request(t.url).patch(path).set('Authorization', user('kim')).send({ label });
        expect({ label, status: res.status, error: res.body.error }).toEqual({ label, status: 400, error: 'validation_failed' });
      }
      expect((await request(t.url).patch(path).set('Authorization', user('kim')).send({ label: null }).expect(200)).body.label).toBeNull();
    });

    it('DELETE /social/connections/:id removes that one only (revoked at the provider); again answers 404', async () => {
      const a = (await connect('lou', 'acct-a')).body;
      const b = (await connect('lou', 'acct-b')).body;
      const revocations = as.counts().revocations;
      await request(t.url).delete(`/social/connections/${a.connectionId}`).set('Authorization', user('lou')).expect(200, { connected: false, disconnected: 1 });
      expect(as.counts().revocations).toBe(revocations + 1);
      expect((await rows('lou')).map((r) => r.id)).toEqual([b.connectionId]);
      const again = await request(t.url).delete(`/social/connections/${a.connectionId}`).set('Authorization', user('lou'));
      expect({ status: again.status, error: again.body.error }).toEqual({ status: 404, error: 'not_connected' });
      expect((await events(a.connectionId)).map((e) => e.type)).toEqual(['connection.created', 'connection.deleted']);
      // The one left is now the only one: internal-token needs no selector.
      expect((await internalToken('acme', { userId: 'lou' })).body.connectionId).toBe(b.connectionId);
    });

    it('DELETE /social/:platform/disconnect removes every connection of that platform', async () => {
      await connect('max2', 'acct-1');
      await connect('max2', 'acct-2');
      await connect('max2', 'acct-3', { platform: 'pub' });
      await request(t.url).delete('/social/acme/disconnect').set('Authorization', user('max2')).expect(200, { connected: false, disconnected: 2 });
      expect(
        (await request(t.url).get('/social/connections').set('Authorization', user('max2')).expect(200)).body.map((c: { platform: string }) => c.platform),
      ).toEqual(['pub']);
    });
  });
});
