import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gzipSync } from 'node:zlib';
import { Connection } from '../../src/connections/connection.entity.js';
import { Secret } from '../../src/crypto/secret.js';
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

// The security headers every answer carries (helmet's set, script-src 'self').
const CSP =
  "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline'";
const SECURITY = {
  'content-security-policy': CSP,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

const token = (accessToken: string): [number, Record<string, unknown>] => [200, { accessToken }];
const error = (status: number, code: string, message: string): [number, Record<string, unknown>] => [status, { statusCode: status, error: code, message }];

describe('POST /social/:platform/internal-token', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        PROVIDERS_FILE: writeProvidersFile({
          alpha: { authorizationUrl: 'https://alpha.invalid/a', tokenUrl: 'https://alpha.invalid/token', clientId: 'c', clientSecret: 's' },
        }),
        REFRESH_CRON: 'off',
      },
    });
    const repo = t.dataSource.getRepository(Connection);
    const far = new Date(Date.now() + 10 * 86_400_000);
    await repo.insert({
      userId: 'u1',
      platform: 'alpha',
      accountId: 'acct-1',
      accessToken: Secret.fromPlaintext('at-u1'),
      refreshToken: Secret.fromPlaintext('rt-u1'),
      accessTokenExpiresAt: far,
      accessTokenIssuedAt: new Date(),
      scopes: ['read', 'write'],
    });
    await repo.insert({
      userId: 'ü-ser ☃',
      platform: 'alpha',
      accessToken: Secret.fromPlaintext('at-unicode'),
      accessTokenExpiresAt: far,
      accessTokenIssuedAt: new Date(),
      scopes: [],
    });
    await repo.insert({ userId: 'gone', platform: 'alpha', status: 'needs_reauth', accessToken: Secret.fromPlaintext('at-gone'), scopes: [] });
    // Encrypted under a key id the ring does not hold (a key removed too early).
    await repo.insert({
      userId: 'unreadable',
      platform: 'alpha',
      accessToken: Secret.fromPlaintext('at-unreadable'),
      accessTokenExpiresAt: far,
      accessTokenIssuedAt: new Date(),
      scopes: [],
    });
    await t.dataSource.query(`UPDATE connections SET access_token = 'v1:k9:' || split_part(access_token, ':', 3) WHERE user_id = 'unreadable'`);
  });
  afterAll(async () => {
    await t?.close();
  });

  const json = { 'content-type': 'application/json' };
  const svc = () => ({ authorization: `Bearer ${t.serviceToken('jobs')}` });
  // The answers the Express app with its node:http fast path gave (recorded before the move to
  // Fastify), except where noted. noStore: the route's Cache-Control, set once the guard passed.
  const cases: [string, () => Call, [number, Record<string, unknown>], boolean][] = [
    ['a connected user', () => ({ headers: { ...svc(), ...json }, body: '{"userId":"u1"}' }), token('at-u1'), true],
    ['a caller request id', () => ({ headers: { ...svc(), ...json, 'x-request-id': 'job-42.retry_1' }, body: '{"userId":"u1"}' }), token('at-u1'), true],
    [
      'an unsafe request id (replaced)',
      () => ({ headers: { ...svc(), ...json, 'x-request-id': 'bad id\t' }, body: '{"userId":"nobody"}' }),
      error(404, 'not_connected', 'The user has not connected alpha'),
      true,
    ],
    [
      'charset=utf-8 and a byte order mark',
      () => ({ headers: { ...svc(), 'content-type': 'application/json; charset=utf-8' }, body: '\ufeff {"userId":"u1"}' }),
      token('at-u1'),
      true,
    ],
    [
      'a user id class-validator counts differently',
      () => ({ headers: { ...svc(), ...json }, body: JSON.stringify({ userId: 'ü-ser ☃' }) }),
      token('at-unicode'),
      true,
    ],
    [
      'a user who has not connected',
      () => ({ headers: { ...svc(), ...json }, body: '{"userId":"nobody"}' }),
      error(404, 'not_connected', 'The user has not connected alpha'),
      true,
    ],
    [
      'a user who must reconnect',
      () => ({ headers: { ...svc(), ...json }, body: '{"userId":"gone"}' }),
      error(409, 'reauth_required', 'The user must reconnect alpha: the provider no longer accepts this grant'),
      true,
    ],
    [
      'a credential that cannot be decrypted (500)',
      () => ({ headers: { ...svc(), ...json }, body: '{"userId":"unreadable"}' }),
      error(500, 'credential_unreadable', 'A stored credential could not be decrypted; check the encryption key ring'),
      true,
    ],
    [
      'an unknown platform',
      () => ({ path: '/social/nope/internal-token', headers: { ...svc(), ...json }, body: '{"userId":"u1"}' }),
      error(404, 'unknown_platform', 'Platform "nope" is not enabled'),
      true,
    ],
    [
      'a platform the token may not read',
      () => ({ headers: { authorization: `Bearer ${t.serviceToken('jobs', { platforms: ['other'] })}`, ...json }, body: '{"userId":"u1"}' }),
      error(403, 'forbidden', 'This service token may not read alpha tokens'),
      true,
    ],
    ['no Authorization', () => ({ headers: json, body: '{"userId":"u1"}' }), error(401, 'unauthorized', 'Missing Authorization header'), false],
    [
      'a user session instead of a service token',
      () => ({ headers: { authorization: `Bearer ${t.userToken('u1')}`, ...json }, body: '{"userId":"u1"}' }),
      error(401, 'unauthorized', 'Invalid or expired service token'),
      false,
    ],
    [
      'a forged token',
      () => ({ headers: { authorization: `Bearer ${t.serviceToken('jobs').slice(0, -2)}xx`, ...json }, body: '{"userId":"u1"}' }),
      error(401, 'unauthorized', 'Invalid or expired service token'),
      false,
    ],
    ['broken JSON', () => ({ headers: { ...svc(), ...json }, body: '{"userId":' }), error(400, 'invalid_json', 'Request body is not valid JSON'), false],
    [
      'broken JSON without credentials (parsed first)',
      () => ({ headers: json, body: '{"userId":' }),
      error(400, 'invalid_json', 'Request body is not valid JSON'),
      false,
    ],
    ['a JSON string', () => ({ headers: { ...svc(), ...json }, body: '"u1"' }), error(400, 'invalid_json', 'Request body is not valid JSON'), false],
    ['JSON null', () => ({ headers: { ...svc(), ...json }, body: 'null' }), error(400, 'invalid_json', 'Request body is not valid JSON'), false],
    ['blank', () => ({ headers: { ...svc(), ...json }, body: '   ' }), error(400, 'invalid_json', 'Request body is not valid JSON'), false],
    ['an array', () => ({ headers: { ...svc(), ...json }, body: '[]' }), error(400, 'validation_failed', 'userId is required'), true],
    ['an empty object', () => ({ headers: { ...svc(), ...json }, body: '{}' }), error(400, 'validation_failed', 'userId is required'), true],
    [
      'an unknown field',
      () => ({ headers: { ...svc(), ...json }, body: '{"userId":"u1","admin":true}' }),
      error(400, 'validation_failed', 'admin: property admin should not exist'),
      true,
    ],
    [
      'a number',
      () => ({ headers: { ...svc(), ...json }, body: '{"userId":42}' }),
      error(
        400,
        'validation_failed',
        'userId must be shorter than or equal to 255 characters; userId must be longer than or equal to 1 characters; userId must be a string',
      ),
      true,
    ],
    [
      'an empty user id',
      () => ({ headers: { ...svc(), ...json }, body: '{"userId":""}' }),
      error(400, 'validation_failed', 'userId must be longer than or equal to 1 characters'),
      true,
    ],
    [
      'a user id of 256 characters',
      () => ({ headers: { ...svc(), ...json }, body: JSON.stringify({ userId: 'x'.repeat(256) }) }),
      error(400, 'validation_failed', 'userId must be shorter than or equal to 255 characters'),
      true,
    ],
    // Changed with Fastify: a prototype key is refused by the JSON parser itself.
    [
      '__proto__',
      () => ({ headers: { ...svc(), ...json }, body: '{"__proto__":{"userId":"u1"}}' }),
      error(400, 'invalid_json', 'Request body is not valid JSON'),
      false,
    ],
    // Changed with Fastify: a body in a type the route does not take is refused before it is read, so before the guard.
    [
      'a form body',
      () => ({ headers: { ...svc(), 'content-type': 'application/x-www-form-urlencoded' }, body: 'userId=u1' }),
      error(415, 'unsupported_media_type', 'Send the body as application/json (Content-Type header); got application/x-www-form-urlencoded'),
      false,
    ],
    [
      'text/plain',
      () => ({ headers: { ...svc(), 'content-type': 'text/plain' }, body: '{"userId":"u1"}' }),
      error(415, 'unsupported_media_type', 'Send the body as application/json (Content-Type header); got text/plain'),
      false,
    ],
    [
      'no Content-Type',
      () => ({ headers: svc(), body: '{"userId":"u1"}' }),
      error(415, 'unsupported_media_type', 'Send the body as application/json (Content-Type header); got no Content-Type'),
      false,
    ],
    [
      'another charset',
      () => ({ headers: { ...svc(), 'content-type': 'application/json; charset=latin1' }, body: '{"userId":"u1"}' }),
      error(415, 'unsupported_media_type', 'Send the body in UTF-8 (Content-Type: application/json; charset=utf-8)'),
      false,
    ],
    [
      'a brotli body',
      () => ({ headers: { ...svc(), ...json, 'content-encoding': 'br' }, body: '{"userId":"u1"}' }),
      error(415, 'unsupported_media_type', 'Send the body uncompressed, or with Content-Encoding gzip or deflate'),
      false,
    ],
    ['a gzip body', () => ({ headers: { ...svc(), ...json, 'content-encoding': 'gzip' }, body: gzipSync('{"userId":"u1"}') }), token('at-u1'), true],
    ['a chunked body', () => ({ headers: { ...svc(), ...json }, body: '{"userId":"u1"}', chunked: true }), token('at-u1'), true],
    ['no body', () => ({ headers: { ...svc(), ...json } }), error(400, 'validation_failed', 'userId is required'), true],
    [
      'a large body',
      () => ({ headers: { ...svc(), ...json }, body: JSON.stringify({ userId: 'u1', pad: 'x'.repeat(5000) }) }),
      error(400, 'validation_failed', 'pad: property pad should not exist'),
      true,
    ],
    [
      'a body over BODY_LIMIT',
      () => ({ headers: { ...svc(), ...json }, body: JSON.stringify({ userId: 'u1', pad: 'x'.repeat(70_000) }) }),
      error(413, 'payload_too_large', 'Request body is too large'),
      false,
    ],
    ['a query string', () => ({ path: '/social/alpha/internal-token?x=1', headers: { ...svc(), ...json }, body: '{"userId":"u1"}' }), token('at-u1'), true],
    ['a trailing slash', () => ({ path: '/social/alpha/internal-token/', headers: { ...svc(), ...json }, body: '{"userId":"u1"}' }), token('at-u1'), true],
    ['another letter case', () => ({ path: '/Social/alpha/Internal-Token', headers: { ...svc(), ...json }, body: '{"userId":"u1"}' }), token('at-u1'), true],
    [
      'a malformed platform',
      () => ({ path: '/social/Alpha!/internal-token', headers: { ...svc(), ...json }, body: '{"userId":"u1"}' }),
      error(400, 'validation_failed', 'platform must be a platform id (lowercase letters, digits, - and _)'),
      true,
    ],
    ['GET', () => ({ method: 'GET', headers: svc() }), error(404, 'not_found', 'Route not found'), false],
  ];

  it.each(cases)('answers %s as before, with the security headers and a request id', async (_name, call, [status, body], noStore) => {
    const c = call();
    const res = await send(t.url, c);
    expect({ status: res.status, body: JSON.parse(res.body) as unknown }).toEqual({ status, body: expect.objectContaining(body) });
    expect(res.headers).toMatchObject(SECURITY);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe(noStore ? 'no-store' : undefined);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-request-id']).toMatch(c.headers?.['x-request-id'] === 'job-42.retry_1' ? /^job-42\.retry_1$/ : /^[0-9a-f-]{36}$/);
    if (status === 401) expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers a token with no-store and the security headers, and counts it', async () => {
    const res = await send(t.url, { headers: { ...svc(), ...json }, body: '{"userId":"u1"}' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      accessToken: 'at-u1',
      expiresAt: expect.any(String),
      connectionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      accountId: 'acct-1',
      grantedScopes: ['read', 'write'],
      scopes: ['read', 'write'],
    });
    expect(res.headers['cache-control']).toBe('no-store');
    const metrics = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${await t.adminKey()}` } }).then((r) => r.text());
    expect(metrics).toMatch(/oc_internal_token_requests_total\{platform="alpha",outcome="ok"\} [1-9]/);
  });

  it('logs a 5xx with the request id and without the credential, and one access line per call without the query; never counts or audits it as served', async () => {
    const logsBefore = t.logs.length;
    const res = await send(t.url, {
      path: '/social/alpha/internal-token?code=oauth-code-123',
      headers: { ...svc(), ...json, 'x-request-id': 'trace-unreadable-1' },
      body: '{"userId":"unreadable"}',
    });
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'credential_unreadable' });
    const lines = t.logs.slice(logsBefore).map((l) => JSON.parse(l) as { level: string; requestId?: string; msg: string });
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', requestId: 'trace-unreadable-1', msg: expect.stringContaining('DecryptionError') }));
    expect(t.logs.join('\n')).not.toContain('at-unreadable');
    expect(t.logs.join('\n')).not.toContain('oauth-code-123');
    const metrics = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${await t.adminKey()}` } }).then((r) => r.text());
    expect(metrics).toMatch(/oc_internal_token_requests_total\{platform="alpha",outcome="credential_unreadable"\} [1-9]/);
    await t.app.get(TokenAuditService).flush();
    expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM token_access_audit WHERE user_id = 'unreadable'`)).toEqual([{ n: 0 }]);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM token_access_audit WHERE user_id = 'u1'`))[0].n).toBeGreaterThan(0);
  });

  it('serves many concurrent calls on kept-alive connections, each with its own answer', async () => {
    const users = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 'u1' : `missing-${i}`));
    const answers = await Promise.all(
      users.map((userId) =>
        fetch(`${t.url}/social/alpha/internal-token`, { method: 'POST', headers: { ...svc(), ...json }, body: JSON.stringify({ userId }) }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { accessToken?: string; message?: string },
        })),
      ),
    );
    answers.forEach((a, i) => {
      if (users[i] === 'u1') expect(a).toEqual({ status: 200, body: expect.objectContaining({ accessToken: 'at-u1' }) });
      else expect(a).toEqual({ status: 404, body: expect.objectContaining({ error: 'not_connected' }) });
    });
  });
});

describe('INTERNAL_PORT', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        INTERNAL_PORT: '0',
        PROVIDERS_FILE: writeProvidersFile({
          alpha: { authorizationUrl: 'https://alpha.invalid/a', tokenUrl: 'https://alpha.invalid/token', clientId: 'c', clientSecret: 's' },
        }),
        REFRESH_CRON: 'off',
      },
    });
    await t.dataSource.getRepository(Connection).insert({
      userId: 'u1',
      platform: 'alpha',
      accessToken: Secret.fromPlaintext('at-u1'),
      accessTokenExpiresAt: new Date(Date.now() + 86_400_000),
      accessTokenIssuedAt: new Date(),
      scopes: [],
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const call = (base: string, userId = 'u1') =>
    send(base, { headers: { authorization: `Bearer ${t.serviceToken('jobs')}`, 'content-type': 'application/json' }, body: JSON.stringify({ userId }) });

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

    // Spellings the router takes for the same route are refused on the public port too.
    for (const path of [
      '/SOCIAL/alpha/INTERNAL-TOKEN',
      '/social/alpha/internal-token/',
      '/social/alpha/internal%2Dtoken',
      '/social/alpha/internal-token?x=1',
    ]) {
      const res = await send(t.url, {
        path,
        headers: { authorization: `Bearer ${t.serviceToken('jobs')}`, 'content-type': 'application/json' },
        body: '{"userId":"u1"}',
      });
      expect({ path, status: res.status, leaked: res.body.includes('at-u1') }).toEqual({ path, status: 404, leaked: false });
    }
    expect(
      (
        await send(t.internalUrl!, {
          path: '/SOCIAL/alpha/INTERNAL-TOKEN',
          headers: { authorization: `Bearer ${t.serviceToken('jobs')}`, 'content-type': 'application/json' },
          body: '{"userId":"u1"}',
        })
      ).status,
    ).toBe(200);

    expect((await fetch(`${t.url}/social/platforms`)).status).toBe(200);
    expect((await fetch(`${t.internalUrl!}/social/platforms`)).status).toBe(404);
    expect((await fetch(`${t.internalUrl!}/health`)).status).toBe(200);
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
  });

  it('answers unusual forms of the call on the internal port too', async () => {
    const res = await send(t.internalUrl!, {
      path: '/social/alpha/internal-token?x=1',
      headers: { authorization: `Bearer ${t.serviceToken('jobs')}`, 'content-type': 'application/json; charset=utf-8' },
      body: '{"userId":"u1"}',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ accessToken: 'at-u1' });
    // A form body is refused there too.
    const form = await send(t.internalUrl!, {
      path: '/social/alpha/internal-token',
      headers: { authorization: `Bearer ${t.serviceToken('jobs')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'userId=u1',
    });
    expect(form.status).toBe(415);
  });
});
