import request from 'supertest';
import { collectRoutes as collect } from '../helpers/routes.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const collectRoutes = (t: TestApp) => collect(t.app);

describe('every route declares its authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('finds the application routes', () => {
    const routes = collectRoutes(t);
    expect(routes.length).toBeGreaterThanOrEqual(5);
    expect(routes).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/health', kind: 'public' })]));
  });

  it('serves hosted connect: sessions for services, the pages in public (the link token or the OAuth state is the credential)', () => {
    const kinds = Object.fromEntries(collectRoutes(t).map((r) => [`${r.method} ${r.path}`, r.kind]));
    expect({
      create: kinds['POST /connect-sessions'],
      page: kinds['GET /connect/:token'],
      start: kinds['POST /connect/:token'],
      callback: kinds['GET /connect/callback'],
      script: kinds['GET /connect/hosted-connect.js'],
    }).toEqual({ create: 'service', page: 'public', start: 'public', callback: 'public', script: 'public' });
  });

  it('has a policy on every route', () => {
    const missing = collectRoutes(t).filter((r) => !['public', 'user', 'service', 'admin'].includes(r.kind ?? ''));
    expect(missing.map((r) => `${r.method} ${r.path} (${r.name})`)).toEqual([]);
  });

  it('refuses anonymous calls to every non-public route', async () => {
    for (const route of collectRoutes(t).filter((r) => r.kind !== 'public')) {
      const path = route.path.replace(/:(\w+)/g, 'x');
      const res = await request(t.url)[route.method.toLowerCase() as 'get'](path).send({});
      expect({ route: `${route.method} ${route.path}`, status: res.status, error: res.body.error }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
        error: 'unauthorized',
      });
    }
  });
});
