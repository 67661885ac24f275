// The demo provider keeps its grants in the database (src/demo): a restart (a new app instance
// over the same database) changes nothing, and rotated refresh tokens stay single use.
import { createServer } from 'node:net';
import request from 'supertest';
import { Connection } from '../../src/connections/connection.entity.js';
import { DemoProviderService } from '../../src/demo/demo-provider.service.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const unescapeHtml = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));

describe('demo provider across a restart', () => {
  let db: TestDb;
  let port: number;
  let t: TestApp | undefined;
  const start = async () => {
    // The same port and secrets each time: the demo provider's URLs and client credentials derive from them.
    t = await startTestApp({ db, env: { DEMO_PROVIDER: 'on', PORT: String(port), APP_URL: `http://127.0.0.1:${port}`, REFRESH_CRON: 'off' } });
    return t;
  };
  const restart = async () => {
    await t!.close(); // the database is shared, so it stays
    return start();
  };

  beforeAll(async () => {
    db = await createTestDb();
    port = await freePort();
  });
  afterAll(async () => {
    await t?.close();
    await db.drop();
  });

  const internalToken = (app: TestApp, user: string) =>
    request(app.url)
      .post('/social/demo/internal-token')
      .set('Authorization', `Bearer ${app.serviceToken('publisher')}`)
      .send({ userId: user });
  const stored = (app: TestApp, user: string) => app.dataSource.getRepository(Connection).findOneByOrFail({ userId: user, platform: 'demo' });
  const expireSoon = (app: TestApp, user: string) =>
    app.dataSource.query(
      `UPDATE connections SET access_token_issued_at = now() - interval '1 hour', access_token_expires_at = now() + interval '60 seconds', next_retry_at = NULL WHERE user_id = $1`,
      [user],
    );
  const tokenRequest = (app: TestApp, form: Record<string, string>) => {
    const demo = app.config.providers.find((p) => p.id === 'demo')!;
    return fetch(`${app.url}/demo-provider/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form, client_id: demo.clientId, client_secret: demo.clientSecret }),
    });
  };
  const userinfo = (app: TestApp, accessToken: string) => fetch(`${app.url}/demo-provider/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });

  async function connect(app: TestApp, user: string, account: string): Promise<void> {
    const auth = { Authorization: `Bearer ${app.userToken(user)}` };
    const { url } = (await request(app.url).get('/social/demo/connect-url').set(auth).expect(200)).body as { url: string };
    const html = await (await fetch(url)).text();
    const form = new URLSearchParams();
    for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(name!, unescapeHtml(value!));
    form.set('account', account);
    form.set('decision', 'allow');
    const back = new URL((await fetch(new URL('authorize', url), { method: 'POST', body: form, redirect: 'manual' })).headers.get('location')!);
    const body = { code: back.searchParams.get('code'), state: back.searchParams.get('state'), iss: back.searchParams.get('iss') };
    await request(app.url).post('/social/demo/connect').set(auth).send(body).expect(200);
  }

  it('a connection made before a restart still refreshes after it, and a rotated refresh token stays refused', async () => {
    const first = await start();
    await connect(first, 'restart-user', 'dana');
    // One rotation before the restart: `consumed` is spent.
    const consumed = (await stored(first, 'restart-user')).refreshToken!.reveal();
    await expireSoon(first, 'restart-user');
    await internalToken(first, 'restart-user').expect(200);
    const beforeRestart = await stored(first, 'restart-user');
    expect(beforeRestart.refreshToken!.reveal()).not.toBe(consumed);

    const second = await restart();
    // The access token issued before the restart is still known to the demo provider.
    expect((await userinfo(second, beforeRestart.accessToken.reveal())).status).toBe(200);
    await expireSoon(second, 'restart-user');
    const fresh = (await internalToken(second, 'restart-user').expect(200)).body.accessToken as string;
    const after = await stored(second, 'restart-user');
    expect(after).toMatchObject({ status: 'active', tokenVersion: beforeRestart.tokenVersion + 1, consecutiveFailures: 0 });
    expect(after.accessToken.reveal()).toBe(fresh);
    expect(after.refreshToken!.reveal()).not.toBe(beforeRestart.refreshToken!.reveal());
    expect((await userinfo(second, fresh)).status).toBe(200);

    // The token rotated away after the restart is refused, as is the one spent before it; reuse revokes the grant.
    const reuse = await tokenRequest(second, { grant_type: 'refresh_token', refresh_token: beforeRestart.refreshToken!.reveal() });
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant');
    expect((await tokenRequest(second, { grant_type: 'refresh_token', refresh_token: consumed })).status).toBe(400);
    expect((await userinfo(second, fresh)).status).toBe(401);
  });

  it('a refresh token presented twice at once refreshes once', async () => {
    const app = t!;
    await connect(app, 'race-user', 'erin');
    const token = (await stored(app, 'race-user')).refreshToken!.reveal();
    const answers = await Promise.all([1, 2, 3].map(() => tokenRequest(app, { grant_type: 'refresh_token', refresh_token: token })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400]);
  });

  it('deletes expired codes and tokens (retention), and keeps live ones', async () => {
    const app = t!;
    await connect(app, 'expired-user', 'frank');
    await connect(app, 'live-user', 'gina');
    const count = async (subject: string) =>
      (await app.dataSource.query('SELECT count(*)::int AS n FROM demo_provider_tokens WHERE subject = $1', [subject]))[0].n as number;
    const live = await count('gina');
    expect(live).toBeGreaterThan(0);
    await app.dataSource.query(`UPDATE demo_provider_tokens SET expires_at = now() - interval '1 second' WHERE subject = 'frank'`);
    expect(await app.app.get(DemoProviderService).deleteExpired()).toBe(2); // frank's access and refresh token
    expect(await count('frank')).toBe(0);
    expect(await count('gina')).toBe(live);
    // Hashes only: no stored value is a token the service holds.
    const hashes = ((await app.dataSource.query('SELECT token_hash FROM demo_provider_tokens')) as { token_hash: string }[]).map((h) => h.token_hash);
    const held = await app.dataSource.getRepository(Connection).findBy({ platform: 'demo' });
    for (const c of held) for (const value of [c.accessToken.reveal(), c.refreshToken?.reveal()]) expect(hashes).not.toContain(value);
  });
});
