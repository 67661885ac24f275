import { jest } from '@jest/globals';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { Connection } from '../../src/connections/connection.entity.js';
import { Secret } from '../../src/crypto/secret.js';
import { InternalTokenHttpHandler } from '../../src/internal/internal-token-http.handler.js';
import { TokenAuditService } from '../../src/internal/token-audit.service.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

type Call = { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean };
type Answer = { status: number; headers: IncomingHttpHeaders; body: string };

function send(base: string, call: Call): Promise<Answer> {
  const body = typeof call.body === 'string' ? Buffer.from(call.body) : call.body;
  const headers: Record<string, string> = { ...call.headers };
  if (body && !call.chunked) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${call.path ?? '/social/alpha/internal-token'}`, { method: call.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body && call.chunked) req.write(body.subarray(0, 3));
    req.end(call.chunked ? body?.subarray(3) : body);
  });
}

// Headers that legitimately differ between two answers (time, connection handling) or that Express
// adds on its own (ETag on every body; nobody revalidates a POST answer).
const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'etag', 'transfer-encoding']);
const comparable = (a: Answer, requestIdGiven: boolean) => ({
  status: a.status,
  body: JSON.parse(a.body) as unknown,
  headers: Object.fromEntries(Object.entries(a.headers).filter(([k]) => !VOLATILE.has(k) && (requestIdGiven || k !== 'x-request-id')).sort(([x], [y]) => x.localeCompare(y))),
});

describe('internal-token fast path', () => {
  let t: TestApp;
  let viaExpress: Server;
  let expressUrl: string;
  let taken: boolean[];

  beforeAll(async () => {
    t = await startTestApp({ env: { PROVIDERS_FILE: writeProvidersFile({ alpha: { authorizationUrl: 'https://alpha.invalid/a', tokenUrl: 'https://alpha.invalid/token', clientId: 'c', clientSecret: 's' } }), REFRESH_CRON: 'off' } });
    const repo = t.dataSource.getRepository(Connection);
    const far = new Date(Date.now() + 10 * 86_400_000);
    await repo.insert({ userId: 'u1', platform: 'alpha', accountId: 'acct-1', accessToken: Secret.fromPlaintext('at-u1'), refreshToken: Secret.fromPlaintext('rt-u1'), accessTokenExpiresAt: far, accessTokenIssuedAt: new Date(), scopes: ['read', 'write'] });
    await repo.insert({ userId: 'ü-ser ☃', platform: 'alpha', accessToken: Secret.fromPlaintext('at-unicode'), accessTokenExpiresAt: far, accessTokenIssuedAt: new Date(), scopes: [] });
    await repo.insert({ userId: 'gone', platform: 'alpha', status: 'needs_reauth', accessToken: Secret.fromPlaintext('at-gone'), scopes: [] });
    // Encrypted under a key id the ring does not hold (a key removed too early).
    await repo.insert({ userId: 'unreadable', platform: 'alpha', accessToken: Secret.fromPlaintext('at-unreadable'), accessTokenExpiresAt: far, accessTokenIssuedAt: new Date(), scopes: [] });
    await t.dataSource.query(`UPDATE connections SET access_token = 'v1:k9:' || split_part(access_token, ':', 3) WHERE user_id = 'unreadable'`);
    // The same application without the fast path: its Express app (middleware, guard, pipes, filter) on its own server.
    viaExpress = createServer(t.app.getHttpAdapter().getInstance());
    await new Promise<void>((resolve) => viaExpress.listen(0, '127.0.0.1', resolve));
    expressUrl = `http://127.0.0.1:${(viaExpress.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => viaExpress?.close(resolve));
    await t?.close();
  });
  beforeEach(() => {
    taken = [];
    const handler = t.app.get(InternalTokenHttpHandler);
    const original = InternalTokenHttpHandler.prototype.handle;
    jest.spyOn(handler, 'handle').mockImplementation(function (this: InternalTokenHttpHandler, ...args) {
      const result = original.apply(this, args);
      taken.push(result);
      return result;
    });
  });
  afterEach(() => jest.restoreAllMocks());

  const json = { 'content-type': 'application/json' };
  const svc = () => ({ authorization: `Bearer ${t.serviceToken('jobs')}` });
  const cases: [string, boolean, () => Call][] = [
    ['a connected user', true, () => ({ headers: { ...svc(), ...json }, body: '{"userId":"u1"}' })],
    ['a caller request id', true, () => ({ headers: { ...svc(), ...json, 'x-request-id': 'job-42.retry_1' }, body: '{"userId":"u1"}' })],
    ['an unsafe request id (replaced)', true, () => ({ headers: { ...svc(), ...json, 'x-request-id': 'bad id\t' }, body: '{"userId":"nobody"}' })],
    ['charset=utf-8 and a byte order mark', true, () => ({ headers: { ...svc(), 'content-type': 'application/json; charset=utf-8' }, body: '\ufeff {"userId":"u1"}' })],
    ['a user id class-validator counts differently', true, () => ({ headers: { ...svc(), ...json }, body: JSON.stringify({ userId: 'ü-ser ☃' }) })],
    ['a user who has not connected', true, () => ({ headers: { ...svc(), ...json }, body: '{"userId":"nobody"}' })],
    ['a user who must reconnect', true, () => ({ headers: { ...svc(), ...json }, body: '{"userId":"gone"}' })],
    ['a credential that cannot be decrypted (500)', true, () => ({ headers: { ...svc(), ...json }, body: '{"userId":"unreadable"}' })],
    ['an unknown platform', true, () => ({ path: '/social/nope/internal-token', headers: { ...svc(), ...json }, body: '{"userId":"u1"}' })],
    ['a platform the token may not read', true, () => ({ headers: { authorization: `Bearer ${t.serviceToken('jobs', { platforms: ['other'] })}`, ...json }, body: '{"userId":"u1"}' })],
    ['no Authorization', true, () => ({ headers: json, body: '{"userId":"u1"}' })],
    ['a user session instead of a service token', true, () => ({ headers: { authorization: `Bearer ${t.userToken('u1')}`, ...json }, body: '{"userId":"u1"}' })],
    ['a forged token', true, () => ({ headers: { authorization: `Bearer ${t.serviceToken('jobs').slice(0, -2)}xx`, ...json }, body: '{"userId":"u1"}' })],
    ['broken JSON', true, () => ({ headers: { ...svc(), ...json }, body: '{"userId":' })],
    ['broken JSON without credentials (parsed first, as Express does)', true, () => ({ headers: json, body: '{"userId":' })],
    ['a JSON string', true, () => ({ headers: { ...svc(), ...json }, body: '"u1"' })],
    ['blank', true, () => ({ headers: { ...svc(), ...json }, body: '   ' })],
    ['an array', true, () => ({ headers: { ...svc(), ...json }, body: '[]' })],
    ['an empty object', true, () => ({ headers: { ...svc(), ...json }, body: '{}' })],
    ['an unknown field', true, () => ({ headers: { ...svc(), ...json }, body: '{"userId":"u1","admin":true}' })],
    ['a number', true, () => ({ headers: { ...svc(), ...json }, body: '{"userId":42}' })],
    ['an empty user id', true, () => ({ headers: { ...svc(), ...json }, body: '{"userId":""}' })],
    ['a user id of 256 characters', true, () => ({ headers: { ...svc(), ...json }, body: JSON.stringify({ userId: 'x'.repeat(256) }) })],
    ['__proto__', true, () => ({ headers: { ...svc(), ...json }, body: '{"__proto__":{"userId":"u1"}}' })],
    ['a form body (left to Express)', false, () => ({ headers: { ...svc(), 'content-type': 'application/x-www-form-urlencoded' }, body: 'userId=u1' })],
    ['text/plain (left to Express)', false, () => ({ headers: { ...svc(), 'content-type': 'text/plain' }, body: '{"userId":"u1"}' })],
    ['another charset (left to Express)', false, () => ({ headers: { ...svc(), 'content-type': 'application/json; charset=latin1' }, body: '{"userId":"u1"}' })],
    ['a gzip body (left to Express)', false, () => ({ headers: { ...svc(), ...json, 'content-encoding': 'gzip' }, body: gzipSync('{"userId":"u1"}') })],
    ['a chunked body (left to Express)', false, () => ({ headers: { ...svc(), ...json }, body: '{"userId":"u1"}', chunked: true })],
    ['no body (left to Express)', false, () => ({ headers: { ...svc(), ...json } })],
    ['a large body (left to Express)', false, () => ({ headers: { ...svc(), ...json }, body: JSON.stringify({ userId: 'u1', pad: 'x'.repeat(5000) }) })],
    ['a query string (left to Express)', false, () => ({ path: '/social/alpha/internal-token?x=1', headers: { ...svc(), ...json }, body: '{"userId":"u1"}' })],
    ['a trailing slash (left to Express)', false, () => ({ path: '/social/alpha/internal-token/', headers: { ...svc(), ...json }, body: '{"userId":"u1"}' })],
    ['another letter case (left to Express)', false, () => ({ path: '/Social/alpha/Internal-Token', headers: { ...svc(), ...json }, body: '{"userId":"u1"}' })],
    ['a malformed platform (left to Express)', false, () => ({ path: '/social/Alpha!/internal-token', headers: { ...svc(), ...json }, body: '{"userId":"u1"}' })],
    ['GET (left to Express)', false, () => ({ method: 'GET', headers: svc() })],
  ];

  it.each(cases)('answers %s exactly as the Nest route does', async (_name, fast, call) => {
    const c = call();
    const direct = await send(t.url, c);
    expect(taken).toEqual([fast]);
    const reference = await send(expressUrl, c);
    expect(taken).toEqual([fast]); // the reference server never goes through the fast path
    const given = c.headers?.['x-request-id'] === 'job-42.retry_1';
    expect(comparable(direct, given)).toEqual(comparable(reference, given));
    expect(direct.headers['x-request-id']).toMatch(given ? /^job-42\.retry_1$/ : /^[0-9a-f-]{36}$/);
  });

  it('answers a token with no-store and the security headers, and counts it', async () => {
    const res = await send(t.url, { headers: { ...svc(), ...json }, body: '{"userId":"u1"}' });
    expect(taken).toEqual([true]);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ accessToken: 'at-u1', expiresAt: expect.any(String), accountId: 'acct-1', scopes: ['read', 'write'] });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    const metrics = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${await t.adminKey()}` } }).then((r) => r.text());
    expect(metrics).toMatch(/oc_internal_token_requests_total\{platform="alpha",outcome="ok"\} [1-9]/);
  });

  it('logs a 5xx with the request id and without the credential; never counts or audits it as served', async () => {
    const logsBefore = t.logs.length;
    const res = await send(t.url, { headers: { ...svc(), ...json, 'x-request-id': 'trace-unreadable-1' }, body: '{"userId":"unreadable"}' });
    expect(taken).toEqual([true]);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'credential_unreadable' });
    const lines = t.logs.slice(logsBefore).map((l) => JSON.parse(l) as { level: string; requestId?: string; msg: string });
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', requestId: 'trace-unreadable-1', msg: expect.stringContaining('DecryptionError') }));
    expect(t.logs.join('\n')).not.toContain('at-unreadable');
    const metrics = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${await t.adminKey()}` } }).then((r) => r.text());
    expect(metrics).toMatch(/oc_internal_token_requests_total\{platform="alpha",outcome="credential_unreadable"\} [1-9]/);
    await t.app.get(TokenAuditService).flush();
    expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM token_access_audit WHERE user_id = 'unreadable'`)).toEqual([{ n: 0 }]);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM token_access_audit WHERE user_id = 'u1'`))[0].n).toBeGreaterThan(0);
  });

  it('serves many concurrent calls on kept-alive connections, each with its own answer', async () => {
    const users = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 'u1' : `missing-${i}`));
    const answers = await Promise.all(users.map((userId) => fetch(`${t.url}/social/alpha/internal-token`, { method: 'POST', headers: { ...svc(), ...json }, body: JSON.stringify({ userId }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { accessToken?: string; message?: string } }))));
    answers.forEach((a, i) => {
      if (users[i] === 'u1') expect(a).toEqual({ status: 200, body: expect.objectContaining({ accessToken: 'at-u1' }) });
      else expect(a).toEqual({ status: 404, body: expect.objectContaining({ error: 'not_connected' }) });
    });
    expect(taken.filter(Boolean)).toHaveLength(40);
  });
});

describe('INTERNAL_PORT', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { INTERNAL_PORT: '0', PROVIDERS_FILE: writeProvidersFile({ alpha: { authorizationUrl: 'https://alpha.invalid/a', tokenUrl: 'https://alpha.invalid/token', clientId: 'c', clientSecret: 's' } }), REFRESH_CRON: 'off' } });
    await t.dataSource.getRepository(Connection).insert({ userId: 'u1', platform: 'alpha', accessToken: Secret.fromPlaintext('at-u1'), accessTokenExpiresAt: new Date(Date.now() + 86_400_000), accessTokenIssuedAt: new Date(), scopes: [] });
  });
  afterAll(async () => {
    await t?.close();
  });

  const call = (base: string, userId = 'u1') => send(base, { headers: { authorization: `Bearer ${t.serviceToken('jobs')}`, 'content-type': 'application/json' }, body: JSON.stringify({ userId }) });

  it('serves internal-token only on the internal port, and the public routes only on the public one', async () => {
    expect(t.internalUrl).toBeDefined();
    const internal = await call(t.internalUrl!);
    expect(internal.status).toBe(200);
    expect(JSON.parse(internal.body)).toMatchObject({ accessToken: 'at-u1' });
    expect((await call(t.internalUrl!, 'nobody')).status).toBe(404);

    const publicPort = await call(t.url);
    expect(publicPort.status).toBe(404);
    expect(JSON.parse(publicPort.body)).toEqual({ statusCode: 404, error: 'not_found', message: 'Route not found' });
    expect(publicPort.body).not.toContain('at-u1');

    // Spellings Express would route to the same handler are refused on the public port too.
    for (const path of ['/SOCIAL/alpha/INTERNAL-TOKEN', '/social/alpha/internal-token/', '/social/alpha/internal%2Dtoken', '/social/alpha/internal-token?x=1']) {
      const res = await send(t.url, { path, headers: { authorization: `Bearer ${t.serviceToken('jobs')}`, 'content-type': 'application/json' }, body: '{"userId":"u1"}' });
      expect({ path, status: res.status, leaked: res.body.includes('at-u1') }).toEqual({ path, status: 404, leaked: false });
    }
    expect((await send(t.internalUrl!, { path: '/SOCIAL/alpha/INTERNAL-TOKEN', headers: { authorization: `Bearer ${t.serviceToken('jobs')}`, 'content-type': 'application/json' }, body: '{"userId":"u1"}' })).status).toBe(200);

    expect((await fetch(`${t.url}/social/platforms`)).status).toBe(200);
    expect((await fetch(`${t.internalUrl!}/social/platforms`)).status).toBe(404);
    expect((await fetch(`${t.internalUrl!}/health`)).status).toBe(200);
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
  });

  it('leaves unusual forms of the call on the internal port to Express, which answers them there', async () => {
    const res = await send(t.internalUrl!, { path: '/social/alpha/internal-token?x=1', headers: { authorization: `Bearer ${t.serviceToken('jobs')}`, 'content-type': 'application/json; charset=utf-8' }, body: '{"userId":"u1"}' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ accessToken: 'at-u1' });
    // A form body reaches Express there too, which refuses its type.
    const form = await send(t.internalUrl!, { path: '/social/alpha/internal-token', headers: { authorization: `Bearer ${t.serviceToken('jobs')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'userId=u1' });
    expect(form.status).toBe(415);
  });
});
