import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe('HTTP surface', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('serves liveness and readiness', async () => {
    await request(t.url).get('/health').expect(200, { status: 'ok' });
    const ready = await request(t.url).get('/health/ready').expect(200);
    expect(ready.body.details.database.status).toBe('up');
  });

  it('serves Swagger UI and an OpenAPI document with both auth schemes', async () => {
    await request(t.url).get('/docs').expect(200).expect('content-type', /html/);
    const doc = (await request(t.url).get('/docs-json').expect(200)).body;
    expect(Object.keys(doc.components.securitySchemes)).toEqual(expect.arrayContaining(['session', 'service']));
    expect(doc.paths['/auth/session'].get.security).toEqual([{ session: [] }]);
    expect(doc.paths['/auth/service'].get.responses['401']).toBeDefined();
  });

  it('answers errors as { statusCode, error, message } without echoing the URL', async () => {
    const res = await request(t.url).get('/nope?code=secret-code').expect(404);
    expect(res.body).toEqual({ statusCode: 404, error: 'not_found', message: 'Route not found' });
    expect(JSON.stringify(res.body)).not.toContain('secret-code');
  });

  it('rejects malformed JSON and oversized bodies with 4xx codes', async () => {
    const bad = await request(t.url).post('/health').set('content-type', 'application/json').send('{"a":').expect(400);
    expect(bad.body.error).toBe('invalid_json');
    const big = await request(t.url)
      .post('/health')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ a: 'x'.repeat(200_000) }))
      .expect(413);
    expect(big.body.error).toBe('payload_too_large');
  });

  it('sets security headers and a request id', async () => {
    const res = await request(t.url).get('/health').set('X-Request-Id', 'abc-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
