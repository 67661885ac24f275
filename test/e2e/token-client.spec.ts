// The client package (client/) against the real service: built, started as its own process, on each
// database, with the demo provider connected over HTTP. A recording proxy in front of the service
// (test/helpers/http-recorder.ts) counts what reaches it, and the service's /metrics agrees.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  createTokenClient,
  NotConnectedError,
  ProviderUnavailableError,
  ReauthRequiredError,
  ServiceAuthError,
  ServiceUnreachableError,
  type TokenClientOptions,
} from '../../client/src/index.js';
import { TokenIssuerService } from '../../src/auth/token-issuer.service.js';
import { type HttpRecorder, type RecordedRequest, startHttpRecorder } from '../helpers/http-recorder.js';
import {
  connectDemo,
  failDemoTokenRequests,
  PROCESS_SERVICE_SECRET,
  PROCESS_SESSION_SECRET,
  type ServiceProcess,
  startServiceProcess,
} from '../helpers/service-process.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

const kinds: Array<'embedded' | 'postgres'> = process.env.TEST_DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];
// The contract of issues 14 and 15: tested once the service's OpenAPI document has these routes.
const documented = Object.keys((JSON.parse(readFileSync('admin/src/api/openapi.json', 'utf8')) as { paths: Record<string, unknown> }).paths);
const withTokenRejected = documented.includes('/social/connections/{connectionId}/token-rejected') ? it : it.skip;
const withConnectSessions = documented.includes('/connect-sessions') ? it : it.skip;
const RETURN_URL = 'http://127.0.0.1:9/connected';
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];

type Claims = { sub?: string; aud?: string; iat?: number; exp?: number; platforms?: string[] };
const claimsOf = (r: RecordedRequest): Claims =>
  JSON.parse(Buffer.from(r.authorization!.split(' ')[1]!.split('.')[1]!, 'base64url').toString('utf8')) as Claims;

describe.each(kinds)('token client against the service process (%s database)', (kind) => {
  let db: TestDb;
  let service: ServiceProcess;
  let recorder: HttpRecorder;
  let sql: pg.Client;

  beforeAll(async () => {
    db = await createTestDb(kind);
    // REFRESH_WINDOW 10s: a token with more than 10 s left is served as it is (the margin test shortens one).
    service = await startServiceProcess(db.url, {
      DEMO_ACCESS_TOKEN_TTL: '1h',
      REFRESH_WINDOW: '10s',
      ADMIN_SESSION_JWT: 'true',
      CONNECT_RETURN_URLS: RETURN_URL,
    });
    recorder = await startHttpRecorder(service.url);
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    for (const user of USERS) await connectDemo(service, user, `${user}-account`);
  }, 120_000);
  afterAll(async () => {
    await sql?.end();
    await recorder?.close();
    await service?.stop();
    await db?.drop();
  });
  afterEach(() => recorder.dropNext(0));

  const client = (options: Partial<TokenClientOptions> = {}) =>
    createTokenClient({ baseUrl: recorder.url, serviceName: 'e2e-job', serviceSecret: PROCESS_SERVICE_SECRET, ...options } as TokenClientOptions);
  const tokenCalls = (userId: string) =>
    recorder.requests.filter((r) => r.path === '/social/demo/internal-token' && (JSON.parse(r.body) as { userId: string }).userId === userId);
  const expireToken = (userId: string) =>
    sql.query(`UPDATE connections SET access_token_expires_at = now() - interval '1 second', next_retry_at = NULL WHERE user_id = $1`, [userId]);
  const demo = (userId: string) => ({ userId, platform: 'demo' });

  /** oc_internal_token_requests_total{platform="demo",outcome} as the service counts it. */
  async function servedByService(outcome: string): Promise<number> {
    const admin = TokenIssuerService.session(PROCESS_SESSION_SECRET, { sub: 'e2e-admin', admin: true });
    const text = await (await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('oc_internal_token_requests_total{') && l.includes('platform="demo"') && l.includes(`outcome="${outcome}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it('serves repeated calls from its cache: the service is asked once per key, and its own metrics count the same', async () => {
    const jobs = client();
    const first = await jobs.getToken(demo('alice'));
    const again = await Promise.all([1, 2, 3, 4, 5].map(() => jobs.getToken(demo('alice'))));
    expect(again.map((r) => r.accessToken)).toEqual(Array(5).fill(first.accessToken));
    expect(tokenCalls('alice')).toHaveLength(1);
    expect(first).toMatchObject({ accessToken: expect.stringMatching(/^demo_/), accountId: 'alice-account', grantedScopes: ['profile', 'offline_access'] });
    expect(first.expiresAt).toBeInstanceOf(Date);
    expect(first.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000); // the demo's 1-hour token
    expect(jobs.stats()).toMatchObject({ cacheHits: 5, requests: 1, cacheEntries: 1 });
    // Another user is another key; another client (another job process) has its own cache.
    await jobs.getToken(demo('bob'));
    await client().getToken(demo('alice'));
    expect([tokenCalls('alice').length, tokenCalls('bob').length]).toEqual([2, 1]);
    const ok = recorder.requests.filter((r) => r.path === '/social/demo/internal-token' && r.status === 200).length;
    expect(await servedByService('ok')).toBe(ok);
  });

  it('hands a cached token out only until expiresAt minus refreshMarginSeconds', async () => {
    await sql.query(
      `UPDATE connections SET access_token_expires_at = now() + interval '36 seconds', access_token_issued_at = now() - interval '1 hour' WHERE user_id = 'bob'`,
    );
    const before = tokenCalls('bob').length;
    // 36 s left is inside a 60 s margin: handed out, never cached.
    const wide = client({ refreshMarginSeconds: 60 });
    await wide.getToken(demo('bob'));
    await wide.getToken(demo('bob'));
    expect(tokenCalls('bob').length - before).toBe(2);

    const narrow = client({ refreshMarginSeconds: 30 });
    const first = await narrow.getToken(demo('bob'));
    const until = first.expiresAt!.getTime() - 30_000;
    expect(Date.now()).toBeLessThan(until); // precondition: about 6 s of cache life left
    expect((await narrow.getToken(demo('bob'))).accessToken).toBe(first.accessToken);
    expect(tokenCalls('bob').length - before).toBe(3);
    await sleep(until - Date.now() + 250);
    expect((await narrow.getToken(demo('bob'))).accessToken).toBe(first.accessToken); // still served as it is (about 30 s left, more than REFRESH_WINDOW)
    expect(tokenCalls('bob').length - before).toBe(4);
    await narrow.getToken(demo('bob')); // and inside the margin now, so not cached
    expect(tokenCalls('bob').length - before).toBe(5);
  });

  it('shares one request among concurrent calls for the same selectors, one per distinct key', async () => {
    const jobs = client();
    const results = await Promise.all(Array.from({ length: 25 }, () => jobs.getToken(demo('carol'))));
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(tokenCalls('carol')).toHaveLength(1);
    expect(jobs.stats()).toMatchObject({ coalesced: 24, requests: 1 });
    // Each caller gets its own object: one changing it changes nobody else's.
    results[0]!.grantedScopes.push('changed');
    expect(results[1]!.grantedScopes).toEqual(['profile', 'offline_access']);

    const other = client();
    await Promise.all([...Array.from({ length: 10 }, () => other.getToken(demo('carol'))), ...Array.from({ length: 10 }, () => other.getToken(demo('dave')))]);
    expect([tokenCalls('carol').length, tokenCalls('dave').length]).toEqual([2, 1]);
  });

  it('keeps at most maxCacheEntries tokens, forgetting the least recently used first', async () => {
    const jobs = client({ maxCacheEntries: 2 });
    const before = ['alice', 'carol', 'dave'].map((u) => tokenCalls(u).length);
    for (const user of ['alice', 'carol', 'dave', 'dave', 'carol', 'alice']) await jobs.getToken(demo(user));
    // alice made room for dave, then came back: asked again; carol and dave stayed.
    expect(['alice', 'carol', 'dave'].map((u, i) => tokenCalls(u).length - before[i]!)).toEqual([2, 1, 1]);
    expect(jobs.stats()).toMatchObject({ cacheEntries: 2, cacheHits: 2 });
  });

  it('retries network errors with backoff until the service answers, and gives up at the deadline', async () => {
    const before = { dave: tokenCalls('dave').length, dropped: recorder.dropped };
    recorder.dropNext(2);
    const token = await client().getToken(demo('dave'));
    expect(token.accessToken).toMatch(/^demo_/);
    expect({ dropped: recorder.dropped - before.dropped, served: tokenCalls('dave').length - before.dave }).toEqual({ dropped: 2, served: 1 });

    recorder.dropNext(1000);
    const error = await client({ retryDeadlineMs: 300 })
      .getToken(demo('dave'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnreachableError);
    expect(error).toMatchObject({ code: 'service_unreachable', status: 0 });
    expect(tokenCalls('dave').length - before.dave).toBe(1);
  });

  it('not_connected: NotConnectedError, and an error is never cached', async () => {
    const jobs = client();
    for (let i = 0; i < 2; i++) {
      const error = await jobs.getToken(demo('nobody')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotConnectedError);
      expect(error).toMatchObject({ code: 'not_connected', status: 404, message: 'The user has not connected demo' });
    }
    expect(tokenCalls('nobody')).toHaveLength(2);
  });

  it('reauth_required (the provider refused the refresh token): ReauthRequiredError at once, no retry', async () => {
    await expireToken('erin');
    await failDemoTokenRequests(service, 1, 400); // invalid_grant
    const error = await client()
      .getToken(demo('erin'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReauthRequiredError);
    expect(error).toMatchObject({ code: 'reauth_required', status: 409 });
    expect(tokenCalls('erin')).toHaveLength(1);
  });

  it('provider_unavailable: ProviderUnavailableError when Retry-After is past the deadline; otherwise waits Retry-After out and gets the token', async () => {
    const old = await client().getToken(demo('frank'));
    await expireToken('frank');
    // The lazy refresh is rate limited once: the service backs off 15-30 s (after a 503 an expired token would be retried within REFRESH_RETRY_FLOOR, 2 s).
    await failDemoTokenRequests(service, 1, 429);
    const before = tokenCalls('frank').length;

    const error = (await client({ retryDeadlineMs: 5_000 })
      .getToken(demo('frank'))
      .catch((e: unknown) => e)) as ProviderUnavailableError;
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({ code: 'provider_unavailable', status: 503 });
    expect(error.retryAfterSeconds).toBeGreaterThan(5);
    expect(error.retryAt!.getTime()).toBeGreaterThan(Date.now() + 4_000);
    expect(tokenCalls('frank').length - before).toBe(1); // no retry: it could not come before the deadline

    const token = await client({ retryDeadlineMs: 60_000 }).getToken(demo('frank'));
    expect(token.accessToken).not.toBe(old.accessToken); // refreshed once the backoff ended
    const [refused, served] = tokenCalls('frank').slice(before + 1);
    expect([refused?.status, served?.status, tokenCalls('frank').length - before]).toEqual([503, 200, 3]);
    // The retry was sent no earlier than the Retry-After it was given (a lower bound the client guarantees).
    expect(served!.receivedAt - refused!.answeredAt).toBeGreaterThanOrEqual(Number(refused!.retryAfter) * 1000 - 20);
  }, 90_000);

  it('service auth: a wrong secret and a platforms claim without the platform are ServiceAuthError; a refused getServiceToken JWT is asked for again once', async () => {
    const before = recorder.requests.length;
    const wrong = await client({ serviceSecret: 'not-the-service-secret-0123456789abcdef' })
      .getToken(demo('alice'))
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ServiceAuthError);
    expect(wrong).toMatchObject({ code: 'unauthorized', status: 401 });
    const narrow = await client({ platforms: ['tiktok'] })
      .getToken(demo('alice'))
      .catch((e: unknown) => e);
    expect(narrow).toBeInstanceOf(ServiceAuthError);
    expect(narrow).toMatchObject({ code: 'forbidden', status: 403 });
    expect(recorder.requests.length - before).toBe(2);

    const handedOut: string[] = [];
    const external = createTokenClient({
      baseUrl: recorder.url,
      getServiceToken: () => {
        const secret = handedOut.length === 0 ? 'a-rotated-away-secret-0123456789abcdef' : PROCESS_SERVICE_SECRET;
        handedOut.push(TokenIssuerService.service(secret, { sub: 'e2e-external', ttl: 120 }));
        return handedOut.at(-1)!;
      },
    });
    expect((await external.getToken(demo('alice'))).accessToken).toMatch(/^demo_/);
    await external.getToken(demo('bob'));
    expect(handedOut).toHaveLength(2); // the second JWT is reused for the next request
    expect(recorder.requests.slice(-3).map((r) => r.status)).toEqual([401, 200, 200]);
  });

  it('mints service JWTs with aud "internal", the sub and platforms given, at most 5 minutes, renewed before they expire', async () => {
    await client({ platforms: ['demo'] }).getToken(demo('alice'));
    const claims = claimsOf(recorder.requests.at(-1)!);
    expect(claims).toMatchObject({ sub: 'e2e-job', aud: 'internal', platforms: ['demo'] });
    expect(claims.exp! - claims.iat!).toBe(300);

    const jobs = client({ serviceTokenTtlSeconds: 2 });
    await jobs.getToken(demo('alice'));
    const first = recorder.requests.at(-1)!;
    await jobs.getToken(demo('carol'));
    expect(recorder.requests.at(-1)!.authorization).toBe(first.authorization); // reused while it has time left
    await sleep(claimsOf(first).exp! * 1000 - Date.now() + 100); // the first JWT has expired now
    await jobs.getToken(demo('dave'));
    const renewed = recorder.requests.at(-1)!;
    expect(renewed.status).toBe(200); // no 401: this client never retries one for a JWT it minted itself
    expect(renewed.authorization).not.toBe(first.authorization);
    expect(claimsOf(renewed).exp! - claimsOf(renewed).iat!).toBe(2);
  });

  withTokenRejected('reportRejected: the service refreshes the refused token, and the client caches the new one', async () => {
    const jobs = client();
    const refused = await jobs.getToken(demo('carol'));
    const calls = tokenCalls('carol').length;
    const fresh = await jobs.reportRejected({
      ...demo('carol'),
      connectionId: refused.connectionId ?? undefined,
      accessToken: refused.accessToken,
      status: 401,
      error: 'invalid_token',
    });
    expect(fresh?.accessToken).toMatch(/^demo_/);
    expect(fresh!.accessToken).not.toBe(refused.accessToken);
    expect((await jobs.getToken(demo('carol'))).accessToken).toBe(fresh!.accessToken);
    expect(tokenCalls('carol').length).toBe(calls);
  });

  withConnectSessions('createConnectSession: a hosted connect link for a user', async () => {
    const session = await client().createConnectSession({ userId: 'new-user', platforms: ['demo'], returnUrl: RETURN_URL });
    expect(session.url.startsWith(`${service.url}/connect/`)).toBe(true);
    expect(session.expiresAt.getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
    expect((await fetch(session.url)).status).toBe(200);
  });
});
