import request from 'supertest';
import { Connection } from '../../src/connections/connection.entity.js';
import { ConnectionCountsService } from '../../src/connections/connection-counts.service.js';
import { Secret } from '../../src/crypto/secret.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe('GET /metrics', () => {
  let fake: FakeProvider;
  let t: TestApp;

  beforeAll(async () => {
    fake = await startFakeProvider();
    fake.on('POST', '/token', (req) => ({ json: { access_token: `new-${req.form.refresh_token}`, expires_in: 7200 } }));
    t = await startTestApp({
      env: {
        PROVIDERS_FILE: writeProvidersFile({ alpha: { authorizationUrl: `${fake.url}/a`, tokenUrl: `${fake.url}/token`, clientId: 'c', clientSecret: 's' } }),
        REFRESH_CRON: 'off',
      },
    });
    const repo = t.dataSource.getRepository(Connection);
    await repo.insert({
      userId: 'u1',
      platform: 'alpha',
      accessToken: Secret.fromPlaintext('at-1'),
      refreshToken: Secret.fromPlaintext('rt-1'),
      accessTokenExpiresAt: new Date(Date.now() + 60_000),
      accessTokenIssuedAt: new Date(Date.now() - 3_600_000),
      scopes: [],
    });
    await repo.insert({ userId: 'u2', platform: 'alpha', status: 'needs_reauth', accessToken: Secret.fromPlaintext('at-2'), scopes: [] });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('needs an admin', async () => {
    await request(t.url).get('/metrics').expect(401);
    await request(t.url)
      .get('/metrics')
      .set('Authorization', `Bearer ${t.userToken('u1')}`)
      .expect(403);
  });

  it('exposes refreshes, internal-token outcomes, connections by status and the outbox depth', async () => {
    const svc = `Bearer ${t.serviceToken('jobs')}`;
    await request(t.url).post('/social/alpha/internal-token').set('Authorization', svc).send({ userId: 'u1' }).expect(200);
    await request(t.url).post('/social/alpha/internal-token').set('Authorization', svc).send({ userId: 'u2' }).expect(409);
    await request(t.url).post('/social/alpha/internal-token').set('Authorization', svc).send({ userId: 'nobody' }).expect(404);
    // Gauges are counted in the background (admin-counts.spec): count the rows inserted above now.
    await t.app.get(ConnectionCountsService).refresh({ force: true });
    await t.app.get(MetricsService).refreshGauges();
    const res = await request(t.url)
      .get('/metrics')
      .set('Authorization', `Bearer ${await t.adminKey()}`)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    expect(text).toContain('oc_refreshes_total{platform="alpha",trigger="lazy",outcome="success"} 1');
    expect(text).toContain('oc_internal_token_requests_total{platform="alpha",outcome="ok"} 1');
    expect(text).toContain('oc_internal_token_requests_total{platform="alpha",outcome="reauth_required"} 1');
    expect(text).toContain('oc_internal_token_requests_total{platform="alpha",outcome="not_connected"} 1');
    expect(text).toContain('oc_connections{platform="alpha",status="active"} 1');
    expect(text).toContain('oc_connections{platform="alpha",status="needs_reauth"} 1');
    expect(text).toMatch(/oc_refresh_duration_seconds_count\{platform="alpha"\} 1/);
    expect(text).toContain('oc_webhook_outbox_pending 0');
    expect(text).not.toMatch(/new-rt-1|at-1/);
  });
});
