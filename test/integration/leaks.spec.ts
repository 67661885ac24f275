import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { Connection } from '../../src/connections/connection.entity.js';
import { KeyRing } from '../../src/crypto/key-ring.js';
import { WebhookDispatcherService } from '../../src/webhooks/webhook-dispatcher.service.js';
import { startOidcServer, type OidcServer } from '../helpers/oidc-server.js';
import { oidcProviderEntry, REDIRECT_URI, writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const WEBHOOK_SECRET = 'webhook-secret-for-leak-test-0123456789';

describe('no secret leaks through logs, responses, stored failures or webhooks', () => {
  let as: OidcServer;
  let t: TestApp;
  let receiver: Server;
  const delivered: string[] = [];
  const secrets = new Set<string>();
  const bodies: string[] = [];

  beforeAll(async () => {
    as = await startOidcServer({ redirectUris: [REDIRECT_URI], accessTokenTtl: 3600 });
    receiver = createServer((req, res) => {
      let body = '';
      req
        .on('data', (c) => (body += c))
        .on('end', () => {
          delivered.push(body + JSON.stringify(req.headers));
          res.end('ok');
        });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as { port: number }).port;
    t = await startTestApp({
      env: {
        PROVIDERS_FILE: writeProvidersFile({ acme: oidcProviderEntry(as) }),
        ACME_CLIENT_SECRET: as.clientSecret,
        OAUTH_REDIRECT_URI: REDIRECT_URI,
        REFRESH_CRON: 'off',
        LOG_LEVEL: 'verbose',
        WEBHOOK_URL: `http://127.0.0.1:${port}/hooks`,
        WEBHOOK_SECRET,
      },
    });
    secrets.add(as.clientSecret).add(WEBHOOK_SECRET);
  });
  afterAll(async () => {
    await t?.close();
    await as?.close();
    await new Promise((r) => receiver?.close(r));
  });

  const record = (res: request.Response) => {
    bodies.push(res.text);
    return res;
  };

  it('runs the whole flow and finds no token, code, verifier or client secret outside internal-token', async () => {
    const user = `Bearer ${t.userToken('leaky')}`;
    const admin = `Bearer ${await t.adminKey()}`;
    const url = record(await request(t.url).get('/social/acme/connect-url').set('Authorization', user).expect(200)).body.url as string;
    const [state] = await t.dataSource.query('SELECT code_verifier FROM oauth_states ORDER BY created_at DESC LIMIT 1');
    secrets.add(t.app.get(KeyRing).decrypt(state.code_verifier));
    const params = await as.authorize(url, 'acct-leak');
    secrets.add(params.code!);
    record(await request(t.url).post('/social/acme/connect').set('Authorization', user).send(params).expect(200));
    const c = await t.dataSource.getRepository(Connection).findOneByOrFail({ userId: 'leaky' });
    secrets.add(c.accessToken.reveal()).add(c.refreshToken!.reveal());

    record(await request(t.url).get('/social/acme/status').set('Authorization', user).expect(200));
    record(await request(t.url).get('/social/connections').set('Authorization', user).expect(200));
    // A refresh (new tokens), then failures of each kind, then admin pages.
    const first = await request(t.url).post(`/admin/api/connections/${c.id}/refresh`).set('Authorization', admin).expect(200);
    record(first);
    const refreshed = await t.dataSource.getRepository(Connection).findOneByOrFail({ id: c.id });
    secrets.add(refreshed.accessToken.reveal()).add(refreshed.refreshToken!.reveal());
    const svc = `Bearer ${t.serviceToken('jobs')}`;
    const token = await request(t.url).post('/social/acme/internal-token').set('Authorization', svc).send({ userId: 'leaky' }).expect(200);
    expect(token.body.accessToken).toBe(refreshed.accessToken.reveal());
    await t.dataSource.query(
      `UPDATE connections SET access_token_issued_at = now() - interval '1 hour', access_token_expires_at = now() + interval '60 seconds'`,
    );
    as.failNext(1, {
      status: 503,
      body: { error: 'temporarily_unavailable', error_description: `echo ${refreshed.refreshToken!.reveal()} ${as.clientSecret}` },
    });
    await request(t.url).post('/social/acme/internal-token').set('Authorization', svc).send({ userId: 'leaky' }).expect(200);
    await t.dataSource.query('UPDATE connections SET next_retry_at = NULL');
    as.failNext(1, { status: 400, body: { error: 'invalid_grant', error_description: `refresh_token=${refreshed.refreshToken!.reveal()}` } });
    record(await request(t.url).post('/social/acme/internal-token').set('Authorization', svc).send({ userId: 'leaky' }).expect(409));
    for (const path of [
      '/admin/api/summary',
      '/admin/api/connections',
      `/admin/api/connections/${c.id}`,
      '/admin/api/refresh-failures',
      '/admin/api/audit',
      '/metrics',
    ]) {
      record(await request(t.url).get(path).set('Authorization', admin).expect(200));
    }
    record(await request(t.url).post('/social/acme/connect').set('Authorization', user).send({ code: params.code, state: 'forged' }).expect(400));
    record(await request(t.url).delete('/social/acme/disconnect').set('Authorization', user).expect(200));
    await t.app.get(WebhookDispatcherService).drain();

    const failures = JSON.stringify(await t.dataSource.query('SELECT * FROM refresh_failures'));
    const outbox = JSON.stringify(await t.dataSource.query('SELECT payload FROM webhook_outbox'));
    expect(delivered.length).toBeGreaterThanOrEqual(3);
    expect(t.logs.length).toBeGreaterThan(10);
    const haystacks = { logs: t.logs.join('\n'), responses: bodies.join('\n'), failures, outbox, webhooks: delivered.join('\n') };
    for (const secret of secrets) {
      for (const [where, text] of Object.entries(haystacks)) {
        expect({ where, leaked: text.includes(secret) ? secret.slice(0, 6) : null }).toEqual({ where, leaked: null });
      }
    }
  });
});
