// The connect flow and refreshes fed hostile or odd provider answers by a scripted fake provider:
// RFC 9207 iss on the built-ins, provider strings that try to forge log lines, numbers out of
// range, ids beyond 2^53, and failures after the state was spent (never a 500).
import request from 'supertest';
import { Connection } from '../../src/connections/connection.entity.js';
import { TokenRefreshService } from '../../src/tokens/token-refresh.service.js';
import { builtInOverrides, type FakeReply, type FakeProvider, startFakeProvider } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const creds = { clientId: 'client-id', clientSecret: 'client-secret' };
const LINE_BREAKS = /[\r\n\u0085\u2028\u2029]/;

describe('connect and refresh against odd provider answers', () => {
  let fake: FakeProvider;
  let t: TestApp;
  let token: FakeReply;
  let userinfo: FakeReply;

  beforeAll(async () => {
    fake = await startFakeProvider();
    // The same token and userinfo answers for every platform, set per test.
    for (const path of ['/token', '/oauth/v2/accessToken']) fake.on('POST', path, () => token);
    for (const path of ['/userinfo', '/v1/userinfo', '/v2/userinfo']) fake.on('GET', path, () => userinfo);
    const file = writeProvidersFile({
      plain: { authorizationUrl: `${fake.url}/authorize`, tokenUrl: `${fake.url}/token`, userInfoUrl: `${fake.url}/userinfo`, ...creds },
      google: builtInOverrides('google', fake.url, creds),
      linkedin: builtInOverrides('linkedin', fake.url, creds),
    });
    // Pretty logs: the format in which a raw CR LF would start a forged line.
    t = await startTestApp({ env: { PROVIDERS_FILE: file, REFRESH_CRON: 'off', LOG_LEVEL: 'info' }, logFormat: 'pretty' });
  });
  let logsBefore = 0;
  beforeEach(() => {
    logsBefore = t.logs.length;
    token = { json: { access_token: 'at-1', refresh_token: 'rt-1', expires_in: 3600, token_type: 'Bearer' } };
    userinfo = { json: { sub: 'acct-1', preferred_username: 'alice', email: 'a@example.test', name: 'Alice' } };
  });
  afterEach(() => {
    // Every line the logger wrote during the test is one line.
    expect(t.logs.slice(logsBefore).filter((line) => LINE_BREAKS.test(line))).toEqual([]);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const auth = (user: string) => `Bearer ${t.userToken(user)}`;

  async function callback(platform: string, user: string, extra: Record<string, string> = {}) {
    const res = await request(t.url).get(`/social/${platform}/connect-url`).set('Authorization', auth(user)).expect(200);
    const state = new URL(res.body.url).searchParams.get('state')!;
    const answer = await request(t.url)
      .post(`/social/${platform}/connect`)
      .set('Authorization', auth(user))
      .send({ code: 'the-code', state, ...extra });
    return Object.assign(answer, { state });
  }

  const row = async (user: string, platform = 'plain') =>
    ((await t.dataSource.query('SELECT * FROM connections WHERE user_id = $1 AND platform = $2', [user, platform])) as Record<string, unknown>[])[0];

  describe('RFC 9207 iss on the built-ins', () => {
    it('Google sends iss=https://accounts.google.com: a callback without it is refused, with it the account connects', async () => {
      const missing = await callback('google', 'iss-g');
      expect({ status: missing.status, error: missing.body.error }).toEqual({ status: 400, error: 'issuer_missing' });
      expect(await row('iss-g', 'google')).toBeUndefined();
      const ok = await callback('google', 'iss-g', { iss: 'https://accounts.google.com' });
      expect({ status: ok.status, body: ok.body }).toEqual({
        status: 200,
        body: {
          connected: true,
          connectionId: expect.any(String),
          platform: 'google',
          accountId: 'acct-1',
          username: 'a@example.test',
          reconnected: false,
          missingScopes: [],
        },
      });
    });

    it('LinkedIn puts only code and state on its redirect: that connects, and a callback carrying iss is refused', async () => {
      const ok = await callback('linkedin', 'iss-l');
      expect({ status: ok.status, username: ok.body.username }).toEqual({ status: 200, username: 'Alice' });
      const before = await row('iss-l', 'linkedin');
      const withIss = await callback('linkedin', 'iss-l', { iss: 'https://www.linkedin.com/oauth' });
      expect({ status: withIss.status, error: withIss.body.error }).toEqual({ status: 400, error: 'issuer_mismatch' });
      expect(await row('iss-l', 'linkedin')).toEqual(before);
    });
  });

  describe('provider strings never forge a log line or an API message', () => {
    it('an OAuth error code with CR LF from the token endpoint', async () => {
      token = { status: 400, json: { error: 'foo\r\nFAKE LOG LINE', error_description: 'evil\r\ndescription' } };
      const res = await callback('plain', 'str-1');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'provider_error', message: 'The provider rejected the request (foo_FAKE_LOG_LINE)' });
      expect(t.logs.some((line) => line.includes('foo_FAKE_LOG_LINE'))).toBe(true);
      expect(t.logs.join('\n')).not.toContain('evil');
    });

    it('an error with CR LF on the callback itself', async () => {
      const res = await request(t.url).get('/social/plain/connect-url').set('Authorization', auth('str-2')).expect(200);
      const state = new URL(res.body.url).searchParams.get('state')!;
      const denied = await request(t.url)
        .post('/social/plain/connect')
        .set('Authorization', auth('str-2'))
        .send({ error: 'foo\r\nFAKE LOG LINE', error_description: 'x\r\ny', state })
        .expect(400);
      expect(denied.body).toEqual({ statusCode: 400, error: 'access_denied', message: 'The user did not authorise the connection (foo_FAKE_LOG_LINE)' });
    });

    it('a username with control characters, bidi overrides and 10 KB is stored and answered as one bounded line', async () => {
      userinfo = { json: { sub: 'acct-ctl', preferred_username: `eve\r\nFAKE LOG LINE\u0000\u202e\u2028${'x'.repeat(10_000)}` } };
      const res = await callback('plain', 'str-3');
      expect(res.status).toBe(200);
      expect(res.body.username).toMatch(/^eve FAKE LOG LINE x+$/);
      expect(res.body.username).toHaveLength(255);
      expect((await row('str-3'))!.username).toBe(res.body.username);
    });

    it('a provider error code with CR LF on refresh is stored and logged escaped', async () => {
      expect((await callback('plain', 'str-4')).status).toBe(200);
      const { id } = (await row('str-4')) as { id: string };
      token = { status: 400, json: { error: 'bad\r\nFAKE LOG LINE\u0000', error_description: 'x' } };
      await t.app.get(TokenRefreshService).refresh(id, 'admin', { force: true });
      const [failure] = await t.dataSource.query('SELECT provider_code, message FROM refresh_failures WHERE connection_id = $1', [id]);
      expect(failure).toEqual({ provider_code: 'bad_FAKE_LOG_LINE_', message: 'refresh: provider answered 400 bad_FAKE_LOG_LINE_' });
      expect((await row('str-4'))!.last_refresh_error_code).toBe('bad_FAKE_LOG_LINE_');
    });
  });

  describe('provider numbers are bounded, ids keep their digits, nothing is a 500 after the state is spent', () => {
    const user = 'numbers';
    let before: Record<string, unknown>;
    beforeAll(async () => {
      token = { json: { access_token: 'at-0', refresh_token: 'rt-0', expires_in: 3600 } };
      userinfo = { json: { sub: 'acct-n', preferred_username: 'n' } };
      expect((await callback('plain', user)).status).toBe(200);
      before = (await row(user))!;
    });

    /** A refused connect: a stable code, the state spent, the existing connection unchanged. */
    async function expectRefused(status: number, error: string) {
      const res = await callback('plain', user);
      expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
      const replay = await request(t.url).post('/social/plain/connect').set('Authorization', auth(user)).send({ code: 'the-code', state: res.state });
      expect(replay.body.error).toBe('invalid_state');
      expect(await row(user)).toEqual(before);
    }

    it.each([
      ['1e20', { expires_in: 1e20 }],
      ['eleven years', { expires_in: 11 * 365 * 24 * 3600 }],
      ['negative', { expires_in: -5 }],
      ['not an integer', { expires_in: 3600.5 }],
      ['a digit string beyond 2^53', { expires_in: '99999999999999999999' }],
      ['a refresh_token_expires_in of 1e20', { refresh_token_expires_in: 1e20 }],
    ])('expires_in %s is malformed: 424 provider_unavailable', async (_name, extra) => {
      token = { json: { access_token: 'at-x', refresh_token: 'rt-x', expires_in: 3600, ...extra } };
      await expectRefused(424, 'provider_unavailable');
    });

    it('exactly ten years is accepted', async () => {
      token = { json: { access_token: 'at-10y', expires_in: 10 * 365 * 24 * 3600 } };
      const res = await callback('plain', 'ten-years');
      expect(res.status).toBe(200);
      expect(new Date((await row('ten-years'))!.access_token_expires_at as string).getUTCFullYear()).toBeGreaterThanOrEqual(new Date().getUTCFullYear() + 9);
    });

    it.each([
      ['longer than the account_id column', { sub: 'a'.repeat(256) }],
      ['holding a NUL byte', { sub: 'acct\u0000x' }],
      ['holding a line break', { sub: 'acct\nx' }],
      ['an object', { sub: { id: 1 } }],
    ])('an account id %s is malformed: 424 provider_unavailable', async (_name, body) => {
      userinfo = { json: { ...body, preferred_username: 'n' } };
      await expectRefused(424, 'provider_unavailable');
    });

    it('a granted scope holding a NUL byte is malformed: 424 provider_unavailable', async () => {
      token = { json: { access_token: 'at-s', expires_in: 3600, scope: 'openid pro\u0000file' } };
      await expectRefused(424, 'provider_unavailable');
    });

    it('a numeric account id beyond 2^53 keeps every digit', async () => {
      userinfo = { body: '{"sub": 17841400000000000001, "preferred_username": "big"}', headers: { 'content-type': 'application/json' } };
      const res = await callback('plain', 'big-id');
      expect(res.body).toMatchObject({ connected: true, platform: 'plain', accountId: '17841400000000000001', username: 'big', reconnected: false });
      expect((await row('big-id'))!.account_id).toBe('17841400000000000001');
    });

    it('a database error after the state is spent answers 503 connect_failed and leaves the connection as it was', async () => {
      await t.dataSource.query(
        `CREATE FUNCTION oc_test_refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by test trigger'; END $$ LANGUAGE plpgsql`,
      );
      await t.dataSource.query('CREATE TRIGGER oc_test_refuse BEFORE INSERT OR UPDATE ON connections FOR EACH ROW EXECUTE FUNCTION oc_test_refuse()');
      try {
        await expectRefused(503, 'connect_failed');
        expect(t.logs.some((line) => line.includes('refused by test trigger'))).toBe(true);
      } finally {
        await t.dataSource.query('DROP TRIGGER oc_test_refuse ON connections');
        await t.dataSource.query('DROP FUNCTION oc_test_refuse()');
      }
    });

    it('a refresh answering an out-of-range expires_in is a malformed failure and keeps the tokens', async () => {
      const { id } = before as { id: string };
      token = { json: { access_token: 'at-refreshed', refresh_token: 'rt-refreshed', expires_in: 1e20 } };
      await t.app.get(TokenRefreshService).refresh(id, 'admin', { force: true });
      const [failure] = await t.dataSource.query('SELECT failure_class FROM refresh_failures WHERE connection_id = $1', [id]);
      expect(failure).toEqual({ failure_class: 'malformed' });
      const c = await t.dataSource.getRepository(Connection).findOneByOrFail({ id });
      expect({ status: c.status, accessToken: c.accessToken.reveal(), tokenVersion: c.tokenVersion }).toEqual({
        status: 'active',
        accessToken: 'at-0',
        tokenVersion: before.token_version,
      });
    });
  });
});
