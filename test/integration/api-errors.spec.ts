import request from 'supertest';
import { Connection } from '../../src/connections/connection.entity.js';
import { Secret } from '../../src/crypto/secret.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

type Response = {
  description: string;
  headers?: Record<string, unknown>;
  content?: {
    'application/json'?: {
      schema: { allOf: [unknown, { properties: { statusCode: { enum: number[] }; error: { enum: string[] } } }] };
      examples: Record<string, { value: { statusCode: number; error: string; message: string } }>;
    };
  };
};
type Doc = { servers: { url: string }[]; paths: Record<string, Record<string, { responses: Record<string, Response> }>> };

describe('API errors a client can act on', () => {
  let t: TestApp;
  let doc: Doc;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        PROVIDERS_FILE: writeProvidersFile({
          alpha: { authorizationUrl: 'http://127.0.0.1:9/a', tokenUrl: 'http://127.0.0.1:9/t', clientId: 'c', clientSecret: 's' },
        }),
        CORS_ORIGINS: 'https://app.example.com',
      },
    });
    await t.dataSource.getRepository(Connection).insert({
      userId: 'u1',
      platform: 'alpha',
      accessToken: Secret.fromPlaintext('at-1'),
      scopes: [],
      accessTokenExpiresAt: new Date(Date.now() + 86_400_000),
    });
    doc = (await request(t.url).get('/docs-json').expect(200)).body as Doc;
  });
  afterAll(() => t?.close());

  const service = () => `Bearer ${t.serviceToken('job')}`;

  describe('415 for a body in the wrong type', () => {
    it.each([
      ['curl -d (form encoding)', 'application/x-www-form-urlencoded', 'userId=u1', 'got application/x-www-form-urlencoded'],
      ['text/plain', 'text/plain', '{"userId":"u1"}', 'got text/plain'],
      ['no Content-Type', undefined, '{"userId":"u1"}', 'got no Content-Type'],
    ])('internal-token with %s answers 415 naming application/json', async (_name, type, body, got) => {
      let req = request(t.url).post('/social/alpha/internal-token').set('Authorization', service());
      if (type) req = req.set('Content-Type', type);
      else req = req.unset('Content-Type');
      const res = await req.send(Buffer.from(body));
      expect(res.status).toBe(415);
      expect(res.body).toEqual({
        statusCode: 415,
        error: 'unsupported_media_type',
        message: `Send the body as application/json (Content-Type header); ${got}`,
      });
    });

    it('still serves the same call sent as JSON', async () => {
      const res = await request(t.url).post('/social/alpha/internal-token').set('Authorization', service()).send({ userId: 'u1' }).expect(200);
      expect(res.body.accessToken).toBe('at-1');
    });

    it('does not echo a strange Content-Type back', async () => {
      const res = await request(t.url)
        .post('/social/alpha/connect')
        .set('Authorization', `Bearer ${t.userToken('u1')}`)
        .set('Content-Type', 'text/x<script>')
        .send('a');
      expect(res.status).toBe(415);
      expect(res.body.message).toContain('got an unsupported type');
    });

    it('answers a non-UTF-8 JSON charset with 415 too', async () => {
      const res = await request(t.url)
        .post('/social/alpha/internal-token')
        .set('Authorization', service())
        .set('Content-Type', 'application/json; charset=latin1')
        .send('{"userId":"u1"}');
      expect(res.status).toBe(415);
      expect(res.body.error).toBe('unsupported_media_type');
    });
  });

  describe('validation messages', () => {
    it('a missing required field is "<field> is required", once', async () => {
      const res = await request(t.url).post('/social/alpha/internal-token').set('Authorization', service()).send({}).expect(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'validation_failed', message: 'userId is required' });
    });
    it('a present but wrong field keeps its rule', async () => {
      const res = await request(t.url).post('/social/alpha/internal-token').set('Authorization', service()).send({ userId: '' }).expect(400);
      expect(res.body.message).toBe('userId must be longer than or equal to 1 characters');
    });
    it('several missing fields are each named', async () => {
      const res = await request(t.url)
        .post('/social/alpha/connect')
        .set('Authorization', `Bearer ${t.userToken('u1')}`)
        .send({})
        .expect(400);
      expect(res.body.message).toBe('state is required');
    });
  });

  describe('the OpenAPI document', () => {
    it('has a servers entry', () => {
      expect(doc.servers).toEqual([{ url: t.config.appUrl }]);
    });

    it('documents every error status of every route with its codes as an enum and one real example body per code', () => {
      let checked = 0;
      for (const [path, operations] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
          expect({ route: `${method} ${path}`, errorStatuses: errors.length > 0 }).toEqual({ route: `${method} ${path}`, errorStatuses: true });
          for (const [status, response] of errors) {
            const json = response.content?.['application/json'];
            const where = `${method} ${path} ${status}`;
            expect({ where, json: json !== undefined }).toEqual({ where, json: true });
            const enumCodes = json!.schema.allOf[1].properties.error.enum;
            expect(json!.schema.allOf[1].properties.statusCode.enum).toEqual([Number(status)]);
            expect({ where, examples: Object.keys(json!.examples).sort() }).toEqual({ where, examples: [...enumCodes].sort() });
            for (const [code, { value }] of Object.entries(json!.examples)) {
              // Codes that carry more (candidates, missingScopes) show it in their example too.
              const { candidates, missingScopes, connectUrlParams, ...base } = value as Record<string, unknown>;
              expect(base).toEqual({ statusCode: Number(status), error: code, message: expect.any(String) });
              if (code === 'connection_ambiguous')
                expect(candidates).toEqual(expect.arrayContaining([expect.objectContaining({ connectionId: expect.any(String) })]));
              else expect(candidates).toBeUndefined();
              if (code === 'insufficient_scope')
                expect({ missingScopes, connectUrlParams }).toEqual({ missingScopes: expect.any(Array), connectUrlParams: expect.any(Object) });
              else expect({ missingScopes, connectUrlParams }).toEqual({ missingScopes: undefined, connectUrlParams: undefined });
              expect(value.message).not.toBe('code must be a string');
            }
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(60);
    });

    it('lists the real codes of internal-token and documents Retry-After where answers carry it', () => {
      const responses = doc.paths['/social/{platform}/internal-token']!.post!.responses;
      const codes = (status: string) => responses[status]!.content!['application/json']!.schema.allOf[1].properties.error.enum;
      expect(codes('404').sort()).toEqual(['asset_not_found', 'not_connected', 'unknown_platform']);
      expect(codes('409').sort()).toEqual(['asset_removed', 'asset_token_missing', 'connection_ambiguous', 'insufficient_scope', 'reauth_required']);
      expect(codes('503').sort()).toEqual(['database_busy', 'database_unavailable', 'provider_unavailable', 'refresh_in_progress']);
      expect(codes('415')).toEqual(['unsupported_media_type']);
      expect(Object.keys(responses['503']!.headers ?? {})).toEqual(['Retry-After']);
      expect(Object.keys(doc.paths['/social/{platform}/connect']!.post!.responses['429']!.headers ?? {})).toEqual(['Retry-After']);
      expect(Object.keys(responses['401']!.headers ?? {})).toEqual(['WWW-Authenticate']);
    });
  });

  describe('CORS', () => {
    it('answers a preflight from an allowed origin, with the Authorization header allowed', async () => {
      const res = await request(t.url)
        .options('/social/connections')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });
    it('gives no CORS headers to another origin, nor to the admin API', async () => {
      const other = await request(t.url).options('/social/connections').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'GET');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const admin = await request(t.url).options('/admin/api/summary').set('Origin', 'https://app.example.com').set('Access-Control-Request-Method', 'GET');
      expect(admin.headers['access-control-allow-origin']).toBeUndefined();
    });
    it('exposes the request id and Retry-After on real answers', async () => {
      const res = await request(t.url)
        .get('/social/connections')
        .set('Origin', 'https://app.example.com')
        .set('Authorization', `Bearer ${t.userToken('u1')}`)
        .expect(200);
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(res.headers['access-control-expose-headers']).toBe('X-Request-Id,Retry-After');
    });
  });
});
