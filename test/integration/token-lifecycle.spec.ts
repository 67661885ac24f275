import request from 'supertest';
import { Connection } from '../../src/connections/connection.entity.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startOidcServer, type OidcServer } from '../helpers/oidc-server.js';
import { oidcProviderEntry, REDIRECT_URI, writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe('token lifecycle against a rotating authorization server', () => {
  let as: OidcServer;
  let db: TestDb;
  let a: TestApp;
  let b: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    as = await startOidcServer({ redirectUris: [REDIRECT_URI], accessTokenTtl: 3600, rotateRefreshToken: true });
    env = {
      PROVIDERS_FILE: writeProvidersFile({ acme: oidcProviderEntry(as) }),
      ACME_CLIENT_SECRET: as.clientSecret,
      OAUTH_REDIRECT_URI: REDIRECT_URI,
      REFRESH_CRON: 'off',
      PROVIDER_HTTP_TIMEOUT_MS: '500',
      WEBHOOK_URL: 'http://127.0.0.1:9/hooks',
      WEBHOOK_SECRET: 'webhook-secret-0123456789abcdef',
    };
    db = await createTestDb();
    a = await startTestApp({ db, env });
    b = await startTestApp({ db, env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    await as?.close();
  });

  const repo = () => a.dataSource.getRepository(Connection);

  async function connect(user: string): Promise<Connection> {
    const res = await request(a.url)
      .get('/social/acme/connect-url')
      .set('Authorization', `Bearer ${a.userToken(user)}`)
      .expect(200);
    const params = await as.authorize(res.body.url, `acct-${user}`);
    await request(a.url)
      .post('/social/acme/connect')
      .set('Authorization', `Bearer ${a.userToken(user)}`)
      .send(params)
      .expect(200);
    return repo().findOneByOrFail({ userId: user, platform: 'acme' });
  }

  const expireSoon = (user: string, seconds = 60) =>
    a.dataSource.query(
      `UPDATE connections SET access_token_issued_at = now() - interval '1 hour', access_token_expires_at = now() + ($2 || ' seconds')::interval, next_retry_at = NULL WHERE user_id = $1`,
      [user, String(seconds)],
    );

  const internalToken = (app: TestApp, user: string, token = app.serviceToken('publisher')) =>
    request(app.url).post('/social/acme/internal-token').set('Authorization', `Bearer ${token}`).send({ userId: user });

  it('serves a fresh token without refreshing it', async () => {
    const c = await connect('fresh');
    const before = as.counts().tokenRequests.refresh_token ?? 0;
    const res = await internalToken(a, 'fresh').expect(200);
    expect(res.body).toEqual({
      accessToken: c.accessToken.reveal(),
      expiresAt: c.accessTokenExpiresAt!.toISOString(),
      connectionId: c.id,
      accountId: 'acct-fresh',
      grantedScopes: c.scopes,
      scopes: c.scopes,
    });
    expect(c.scopes).toEqual(expect.arrayContaining(['openid']));
    expect(as.counts().tokenRequests.refresh_token ?? 0).toBe(before);
  });

  it('refreshes a token near expiry, persists the rotated refresh token, and the old one is dead', async () => {
    const c = await connect('rot');
    const oldAccess = c.accessToken.reveal();
    const oldRefresh = c.refreshToken!.reveal();
    await expireSoon('rot');
    const res = await internalToken(a, 'rot').expect(200);
    expect(res.body.accessToken).not.toBe(oldAccess);
    expect((await as.introspect(res.body.accessToken)).active).toBe(true);
    const after = await repo().findOneByOrFail({ id: c.id });
    expect(after.accessToken.reveal()).toBe(res.body.accessToken);
    const newRefresh = after.refreshToken!.reveal();
    expect(newRefresh).not.toBe(oldRefresh);
    expect(after.tokenVersion).toBe(c.tokenVersion + 1);
    expect(after.lastRefreshedAt).not.toBeNull();
    expect((await as.introspect(newRefresh)).active).toBe(true);
    // The provider rejects the old refresh token (it rotated).
    const reuse: Response = await fetch(as.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: oldRefresh, client_id: as.clientId, client_secret: as.clientSecret }),
    });
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('100 concurrent calls over two instances cause exactly one refresh, and all get the same new token', async () => {
    const c = await connect('race');
    const refreshBefore = await as.introspect(c.refreshToken!.reveal());
    expect(refreshBefore.active).toBe(true);
    await expireSoon('race');
    const before = as.counts().tokenRequests.refresh_token ?? 0;
    const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => internalToken(i % 2 ? a : b, 'race')));
    const failed = responses.filter((r) => r.status !== 200).map((r) => ({ status: r.status, body: r.body }));
    expect(failed.slice(0, 3)).toEqual([]);
    const tokens = new Set(responses.map((r) => r.body.accessToken));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).not.toBe(c.accessToken.reveal());
    expect((as.counts().tokenRequests.refresh_token ?? 0) - before).toBe(1);
    const after = await repo().findOneByOrFail({ id: c.id });
    expect(after.status).toBe('active');
    expect((await as.introspect(after.refreshToken!.reveal())).active).toBe(true);
  });

  it('on transient failures backs off, keeps the connection active and serves the still-valid token', async () => {
    const c = await connect('flaky');
    const failures = [
      { status: 503, body: { error: 'temporarily_unavailable' } },
      { status: 429, body: { error: 'slow_down' }, headers: { 'Retry-After': '120' } },
      { status: 200, body: {}, delayMs: 2000 }, // longer than PROVIDER_HTTP_TIMEOUT_MS
    ];
    for (const [i, failure] of failures.entries()) {
      await expireSoon('flaky');
      as.failNext(1, failure);
      const res = await internalToken(a, 'flaky').expect(200);
      expect(res.body.accessToken).toBe(c.accessToken.reveal());
      const row = await repo().findOneByOrFail({ id: c.id });
      expect({ status: row.status, failures: row.consecutiveFailures }).toEqual({ status: 'active', failures: i + 1 });
      expect(row.nextRetryAt!.getTime()).toBeGreaterThan(Date.now());
      if (i === 1) expect(row.nextRetryAt!.getTime()).toBeGreaterThanOrEqual(Date.now() + 110_000); // Retry-After honoured
    }
    const recorded = await a.dataSource.query(
      'SELECT failure_class, provider_code, trigger, message FROM refresh_failures WHERE connection_id = $1 ORDER BY id',
      [c.id],
    );
    expect(recorded.map((r: { failure_class: string }) => r.failure_class)).toEqual(['transient', 'rate_limited', 'transient']);
    expect(recorded[0]).toMatchObject({ provider_code: 'temporarily_unavailable', trigger: 'lazy' });
    expect(JSON.stringify(recorded)).not.toContain(c.refreshToken!.reveal());
    // While in backoff, no further refresh is attempted.
    const count = as.counts().tokenRequests.refresh_token ?? 0;
    await a.dataSource.query(`UPDATE connections SET access_token_expires_at = now() + interval '60 seconds' WHERE id = $1`, [c.id]);
    await internalToken(a, 'flaky').expect(200);
    expect(as.counts().tokenRequests.refresh_token ?? 0).toBe(count);
    // A success clears the failure state and emits connection.recovered.
    await expireSoon('flaky');
    await internalToken(a, 'flaky').expect(200);
    const healed = await repo().findOneByOrFail({ id: c.id });
    expect({ failures: healed.consecutiveFailures, error: healed.lastRefreshError, retry: healed.nextRetryAt }).toEqual({
      failures: 0,
      error: null,
      retry: null,
    });
    const events = await a.dataSource.query(`SELECT event_type FROM webhook_outbox WHERE payload->>'connectionId' = $1 ORDER BY id`, [c.id]);
    expect(events.map((e: { event_type: string }) => e.event_type)).toEqual(['connection.created', 'connection.refresh_failed', 'connection.recovered']);
  });

  it('answers 503 with Retry-After when the token has expired and the provider is failing', async () => {
    await connect('down');
    await expireSoon('down', -10);
    as.failNext(1, { status: 500, raw: '<html>oops</html>' });
    const res = await internalToken(a, 'down').expect(503);
    expect(res.body.error).toBe('provider_unavailable');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('invalid_grant marks the connection needs_reauth, emits a webhook event and stops refreshing', async () => {
    const c = await connect('dead');
    await expireSoon('dead');
    as.failNext(1, { status: 400, body: { error: 'invalid_grant', error_description: 'grant revoked' } });
    const res = await internalToken(a, 'dead').expect(409);
    expect(res.body.error).toBe('reauth_required');
    const row = await repo().findOneByOrFail({ id: c.id });
    expect({ status: row.status, error: row.lastRefreshError, code: row.lastRefreshErrorCode }).toEqual({
      status: 'needs_reauth',
      error: 'invalid_grant',
      code: 'invalid_grant',
    });
    const status = await request(a.url)
      .get('/social/acme/status')
      .set('Authorization', `Bearer ${a.userToken('dead')}`)
      .expect(200);
    expect(status.body.status).toBe('needs_reauth');
    const [event] = await a.dataSource.query(
      `SELECT event_type, payload FROM webhook_outbox WHERE event_type = 'connection.reauth_required' AND payload->>'connectionId' = $1`,
      [c.id],
    );
    expect(event.payload).toMatchObject({ userId: 'dead', platform: 'acme', status: 'needs_reauth', providerError: 'invalid_grant' });
    const count = as.counts().tokenRequests.refresh_token ?? 0;
    await internalToken(b, 'dead').expect(409);
    expect(as.counts().tokenRequests.refresh_token ?? 0).toBe(count);
    // Reconnecting restores it.
    await connect('dead');
    await internalToken(a, 'dead').expect(200);
  });

  it('invalid_client is an operator error: logged loudly, the connection is not blamed', async () => {
    const c = await connect('opserr');
    await expireSoon('opserr');
    as.failNext(1, { status: 401, body: { error: 'invalid_client' } });
    await internalToken(a, 'opserr').expect(200);
    const row = await repo().findOneByOrFail({ id: c.id });
    expect({ status: row.status, failures: row.consecutiveFailures, error: row.lastRefreshError }).toEqual({
      status: 'active',
      failures: 0,
      error: 'invalid_client',
    });
    expect([...a.logs, ...b.logs].some((l) => l.includes('"level":"error"') && l.includes('rejected OUR client credentials'))).toBe(true);
  });

  it('checks the caller: unknown users, excluded platforms and session tokens', async () => {
    expect((await internalToken(a, 'nobody').expect(404)).body.error).toBe('not_connected');
    await connect('scoped');
    expect((await internalToken(a, 'scoped', a.serviceToken('svc', { platforms: ['tiktok'] })).expect(403)).body.error).toBe('forbidden');
    await internalToken(a, 'scoped', a.serviceToken('svc', { platforms: ['acme'] })).expect(200);
    await request(a.url)
      .post('/social/acme/internal-token')
      .set('Authorization', `Bearer ${a.userToken('scoped')}`)
      .send({ userId: 'scoped' })
      .expect(401);
    expect((await internalToken(a, '').expect(400)).body.error).toBe('validation_failed');
  });

  it('audits every successful read in batches, without tokens', async () => {
    await connect('audited');
    for (let i = 0; i < 3; i++) await internalToken(a, 'audited', a.serviceToken('analytics')).expect(200);
    const { TokenAuditService } = await import('../../src/internal/token-audit.service.js');
    await a.app.get(TokenAuditService).flush();
    const rows = await a.dataSource.query(`SELECT * FROM token_access_audit WHERE user_id = 'audited'`);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ service: 'analytics', platform: 'acme' });
    expect(Object.keys(rows[0]).sort()).toEqual(['accessed_at', 'id', 'platform', 'service', 'user_id']);
  });
});
