import fc from 'fast-check';
import request from 'supertest';
import { buildOpenApi } from '../../src/app.factory.js';
import { Connection } from '../../src/connections/connection.entity.js';
import { Secret } from '../../src/crypto/secret.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { collectRoutes, type Route } from '../helpers/routes.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 60);
const HTML_PAGES = ['GET /connect/:token', 'POST /connect/:token', 'GET /connect/callback'];

// Values an attacker or a buggy client sends: unicode, traversal, wrong types, huge strings.
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom(
    '../../etc/passwd',
    '..%2f..%2f',
    '%00',
    '\u0000',
    '😀',
    "' OR 1=1 --",
    '<script>',
    'null',
    '-1',
    '1e309',
    'NaN',
    '{}',
    '[]',
    'tiktok',
    'x'.repeat(5000),
  ),
  fc.integer().map(String),
);
const jsonish = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(nasty, fc.jsonValue()),
  fc.record({ userId: fc.jsonValue(), code: fc.jsonValue(), state: fc.jsonValue(), email: fc.jsonValue(), password: fc.jsonValue() }, { requiredKeys: [] }),
);

describe('hostile input on every route', () => {
  let fake: FakeProvider;
  let t: TestApp;
  let routes: Route[];
  let documented: (route: Route, status: number) => string[];
  let adminKey: string;

  beforeAll(async () => {
    fake = await startFakeProvider();
    fake.on('POST', '/token', { status: 400, json: { error: 'invalid_grant' } });
    t = await startTestApp({
      env: {
        PROVIDERS_FILE: writeProvidersFile({ alpha: { authorizationUrl: `${fake.url}/a`, tokenUrl: `${fake.url}/token`, clientId: 'c', clientSecret: 's' } }),
        REFRESH_CRON: 'off',
      },
    });
    await t.dataSource
      .getRepository(Connection)
      .insert({ userId: 'fuzzer', platform: 'alpha', accessToken: Secret.fromPlaintext('at-fuzz'), refreshToken: Secret.fromPlaintext('rt-fuzz'), scopes: [] });
    routes = collectRoutes(t.app).filter((r) => !r.path.startsWith('/demo-provider'));
    const doc = buildOpenApi(t.app) as unknown as {
      paths: Record<
        string,
        Record<
          string,
          { responses: Record<string, { content?: { 'application/json'?: { schema?: { allOf?: { properties?: { error?: { enum?: string[] } } }[] } } } }> }
        >
      >;
    };
    documented = (route, status) =>
      doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()]?.responses[String(status)]?.content?.['application/json']?.schema
        ?.allOf?.[1]?.properties?.error?.enum ?? [];
    adminKey = await t.adminKey();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  function credentials(kind: string | undefined): string | undefined {
    if (kind === 'user') return `Bearer ${t.userToken('fuzzer')}`;
    if (kind === 'service') return `Bearer ${t.serviceToken('fuzz-svc')}`;
    if (kind === 'admin') return `Bearer ${adminKey}`;
    return undefined;
  }

  function expectWellFormed4xx(route: Route, res: request.Response, detail: unknown) {
    const where = `${route.method} ${route.path} ${JSON.stringify(detail).slice(0, 300)}`;
    expect({ where, status: res.status < 500 }).toEqual({ where, status: true });
    expect(res.text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
    // The hosted connect pages answer people: their unusable links get an HTML page, not a JSON error.
    if (HTML_PAGES.includes(`${route.method} ${route.path}`) && /^text\/html/.test(String(res.headers['content-type']))) return;
    if (res.status >= 400)
      expect({ where, body: res.body }).toEqual({
        where,
        body: { statusCode: res.status, error: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) },
      });
    // The OpenAPI document lists every code a route answers (a path that matches no route is the server's 404).
    if (res.status >= 400 && res.body.error !== 'not_found')
      expect({ where, status: res.status, error: res.body.error, documented: documented(route, res.status).includes(res.body.error) }).toEqual({
        where,
        status: res.status,
        error: res.body.error,
        documented: true,
      });
  }

  it('never answers 5xx or a stack trace to generated requests', async () => {
    let sent = 0;
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(
          fc.array(nasty, { minLength: 3, maxLength: 3 }),
          fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(nasty, fc.array(nasty, { maxLength: 3 })), { maxKeys: 4 }),
          fc.oneof(
            jsonish,
            fc.string().map((raw) => ({ raw })),
          ),
          fc.boolean(),
          async (params, query, body, validAuth) => {
            let i = 0;
            const path = route.path.replace(/:(\w+)/g, () => encodeURIComponent(params[i++]!));
            const method = route.method.toLowerCase() as 'get' | 'post' | 'delete';
            let req = request(t.url)[method](path).query(query);
            const auth = validAuth ? credentials(route.kind) : params[2];
            // Clients can only send printable header values; anything else never reaches us.
            if (auth) req = req.set('Authorization', auth.replace(/[^\x20-\x7e]/g, '?').slice(0, 4000));
            if (method !== 'get') {
              const raw =
                body !== null && typeof body === 'object' && typeof (body as { raw?: unknown }).raw === 'string'
                  ? (body as { raw: string }).raw
                  : JSON.stringify(body);
              req = req.set('Content-Type', 'application/json').send(raw);
            }
            const res = await req;
            sent++;
            expectWellFormed4xx(route, res, { path, query, body });
          },
        ),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
    expect(sent).toBeGreaterThan(routes.length * RUNS_PER_ROUTE * 0.9);
  });

  it('answers oversized headers, duplicated parameters and odd content types with 4xx JSON', async () => {
    const huge = await fetch(`${t.url}/health`, { headers: { 'x-big': 'a'.repeat(40_000) } });
    expect(huge.status).toBe(431);
    expect(await huge.json()).toMatchObject({ error: 'request_header_fields_too_large' });
    const auth = credentials('user')!;
    const dup = await request(t.url).get('/social/alpha/status?platform=a&platform=b').set('Authorization', auth);
    expect(dup.status).toBeLessThan(500);
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) {
      const res = await request(t.url).post('/social/alpha/connect').set('Authorization', auth).set('Content-Type', type).send('code=a&state=b');
      expectWellFormed4xx({ method: 'POST', path: '/social/:platform/connect', kind: 'user', name: type }, res, type);
    }
    const twoAuth = await fetch(`${t.url}/auth/session`, {
      headers: [
        ['authorization', auth],
        ['authorization', auth],
      ],
    });
    expect(twoAuth.status).toBe(401);
  });
});
