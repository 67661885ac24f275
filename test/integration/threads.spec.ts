// Threads end to end against a fake graph.threads.net answering as its documentation shows
// (get-access-tokens-and-permissions, updated 12 Aug 2026; long-lived-tokens; read 2026-12-04):
// the connect exchanges the code, then th_exchange_token; a job's internal-token extends the
// 60-day token with th_refresh_token only once it is 24 hours old.
import request from 'supertest';
import { RefreshSchedulerService } from '../../src/scheduler/refresh-scheduler.service.js';
import { builtInOverrides, type FakeProvider, startFakeProvider } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe('Threads: connect, long-lived exchange and extension', () => {
  let fake: FakeProvider;
  let t: TestApp;
  let extended = 0;

  beforeAll(async () => {
    fake = await startFakeProvider();
    fake.on('POST', '/oauth/access_token', {
      headers: { 'content-type': 'application/json' },
      body: '{"access_token":"THAAshort","user_id":25129376793187219}',
    });
    fake.on('GET', '/access_token', (req) =>
      req.query.grant_type === 'th_exchange_token' && req.query.access_token === 'THAAshort'
        ? { json: { access_token: 'THAAlong-1', token_type: 'bearer', expires_in: 5183944 } }
        : { status: 400, json: { error: { message: 'Invalid OAuth access token', type: 'OAuthException', code: 190 } } },
    );
    fake.on('GET', '/refresh_access_token', (req) =>
      req.query.grant_type === 'th_refresh_token'
        ? { json: { access_token: `THAAlong-extended-${++extended}`, token_type: 'bearer', expires_in: 5183944 } }
        : { status: 400, json: { error: { message: 'Unsupported grant type', type: 'OAuthException', code: 100 } } },
    );
    fake.on('GET', '/v1.0/me', { json: { id: '25129376793187219', username: 'threads.writer' } });
    const file = writeProvidersFile({ threads: builtInOverrides('threads', fake.url, { clientId: '990602627938098', clientSecret: 'th-secret' }) });
    t = await startTestApp({ env: { PROVIDERS_FILE: file, REFRESH_CRON: 'off' } });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const token = (user: string) =>
    request(t.url)
      .post('/social/threads/internal-token')
      .set('Authorization', `Bearer ${t.serviceToken('publisher')}`)
      .send({ userId: user });

  it('connects: the stored token is the long-lived one, the account is the Threads user id with every digit', async () => {
    const url = await request(t.url)
      .get('/social/threads/connect-url')
      .set('Authorization', `Bearer ${t.userToken('writer')}`)
      .expect(200);
    const authorize = new URL(url.body.url);
    expect(authorize.pathname).toBe('/oauth/authorize');
    expect(authorize.searchParams.get('scope')).toBe('threads_basic,threads_content_publish,threads_manage_insights');
    const res = await request(t.url)
      .post('/social/threads/connect')
      .set('Authorization', `Bearer ${t.userToken('writer')}`)
      .send({ code: 'AQDcode#_', state: authorize.searchParams.get('state') });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ platform: 'threads', accountId: '25129376793187219', username: 'threads.writer' });
    expect(fake.requestsTo('POST', '/oauth/access_token')[0]!.form.code).toBe('AQDcode');

    const served = await token('writer').expect(200);
    expect(served.body.accessToken).toBe('THAAlong-1');
    const [row] = await t.dataSource.query(
      `SELECT refresh_token IS NULL AS no_refresh_token, round(extract(epoch FROM access_token_expires_at - now()) / 86400) AS days FROM connections WHERE user_id = 'writer'`,
    );
    expect(row.no_refresh_token).toBe(true);
    expect(Number(row.days)).toBe(60);
  });

  it('a token younger than 24 hours is not extended, even close to its expiry; once 24 hours old it is, on demand', async () => {
    await t.dataSource.query(
      `UPDATE connections SET access_token_issued_at = now() - interval '2 hours', access_token_expires_at = now() + interval '2 minutes' WHERE user_id = 'writer'`,
    );
    expect((await token('writer').expect(200)).body.accessToken).toBe('THAAlong-1');
    expect(fake.requestsTo('GET', '/refresh_access_token')).toHaveLength(0);

    await t.dataSource.query(`UPDATE connections SET access_token_issued_at = now() - interval '25 hours' WHERE user_id = 'writer'`);
    expect((await token('writer').expect(200)).body.accessToken).toBe('THAAlong-extended-1');
    expect(fake.requestsTo('GET', '/refresh_access_token')[0]!.query).toEqual({ grant_type: 'th_refresh_token', access_token: 'THAAlong-1' });
  });

  it('the scheduler extends a 24-hour-old token within its window and leaves a fresh one alone', async () => {
    await t.dataSource.query(
      `UPDATE connections SET access_token_issued_at = now() - interval '59 days', access_token_expires_at = now() + interval '1 hour', next_retry_at = NULL WHERE user_id = 'writer'`,
    );
    const scheduler = t.app.get(RefreshSchedulerService);
    expect(await scheduler.runOnce()).toMatchObject({ refreshed: 1, failed: 0 });
    expect((await token('writer').expect(200)).body.accessToken).toBe('THAAlong-extended-2');
    expect(await scheduler.runOnce()).toMatchObject({ claimed: 0 });
  });
});
