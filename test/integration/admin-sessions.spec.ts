import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { AdminApiKeyService } from '../../src/auth/admin-api-key.service.js';
import { AdminSessionService } from '../../src/auth/admin-session.service.js';
import { baseTestEnv, startTestApp, type TestApp } from '../helpers/test-app.js';

describe('admin sign-in with the development account', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { NODE_ENV: 'development', DEMO_PROVIDER: 'off', LOG_LEVEL: 'info' } });
  });
  afterAll(() => t?.close());

  it('signs in over HTTP as the admin@localhost account the service prints', async () => {
    // What main.ts prints as the last lines of the start output (test/e2e/startup.spec.ts checks the printing).
    const printed = t.app.get(AdminSessionService).developmentAdmin;
    expect(printed?.email).toBe('admin@localhost');
    const password = printed!.password;
    const res = await request(t.url).post('/admin/api/session').send({ email: 'admin@localhost', password }).expect(200);
    expect(res.body.email).toBe('admin@localhost');
    await request(t.url).get('/admin/api/summary').set('Cookie', res.headers['set-cookie']![0]!.split(';')[0]!).expect(200);
  });

  it('refuses a malformed address with a 400 naming the rule', async () => {
    const res = await request(t.url).post('/admin/api/session').send({ email: 'admin@', password: 'x' }).expect(400);
    expect(res.body).toMatchObject({ error: 'validation_failed', message: expect.stringContaining('admin@localhost') });
  });
});

describe('admin UI sessions are server-side', () => {
  let t: TestApp;
  const EMAIL = 'ops@example.com';
  const PASSWORD = 'correct horse battery';
  beforeAll(async () => {
    t = await startTestApp();
    await t.app.get(AdminSessionService).createAdmin(EMAIL, PASSWORD);
  });
  afterAll(() => t?.close());

  async function signIn(email = EMAIL) {
    const res = await request(t.url).post('/admin/api/session').send({ email, password: PASSWORD }).expect(200);
    const cookie = /^oc_admin=([^;]+)/.exec(res.headers['set-cookie']![0]!)![1]!;
    return { cookie, jar: `oc_admin=${cookie}`, csrf: res.body.csrfToken as string };
  }
  const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

  it("sets an opaque random id as the cookie and stores only its hash and the CSRF token's hash", async () => {
    const { cookie, csrf } = await signIn();
    expect(cookie).toMatch(/^[0-9a-f]{64}$/);
    expect(csrf).toMatch(/^[0-9a-f]{64}$/);
    expect(csrf).not.toBe(cookie);
    const rows = (await t.dataSource.query('SELECT token_hash, csrf_hash FROM admin_sessions WHERE token_hash = $1', [sha256(cookie)])) as {
      csrf_hash: string;
    }[];
    expect(rows).toEqual([{ token_hash: sha256(cookie), csrf_hash: sha256(csrf) }]);
    const all = JSON.stringify(await t.dataSource.query('SELECT * FROM admin_sessions'));
    expect(all).not.toContain(cookie);
    expect(all).not.toContain(csrf);
  });

  it('does not accept the cookie value as a bearer token', async () => {
    const { cookie, jar } = await signIn();
    await request(t.url).get('/admin/api/summary').set('Cookie', jar).expect(200);
    const res = await request(t.url).get('/admin/api/summary').set('Authorization', `Bearer ${cookie}`).expect(401);
    expect(res.body.message).toMatch(/admin API key/);
    // Nor as a bearer on a state-changing call, where it would skip the CSRF check.
    await request(t.url).delete('/admin/api/session').set('Authorization', `Bearer ${cookie}`).expect(401);
  });

  it('ends the session on the server at sign-out', async () => {
    const { jar, csrf, cookie } = await signIn();
    await request(t.url).delete('/admin/api/session').set('Cookie', jar).set('X-CSRF-Token', csrf).expect(200);
    const res = await request(t.url).get('/admin/api/summary').set('Cookie', jar).expect(401);
    expect(res.body.message).toMatch(/expired or was signed out/);
    expect(await t.dataSource.query('SELECT 1 FROM admin_sessions WHERE token_hash = $1', [sha256(cookie)])).toEqual([]);
  });

  it('refuses an expired session, and retention deletes expired sessions in batches while keeping live ones', async () => {
    const { jar, cookie } = await signIn();
    await t.dataSource.query(`UPDATE admin_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [sha256(cookie)]);
    await request(t.url).get('/admin/api/summary').set('Cookie', jar).expect(401);
    const live = await signIn();
    const [{ id: adminId }] = (await t.dataSource.query('SELECT id FROM admin_users WHERE email = $1', [EMAIL])) as { id: string }[];
    await t.dataSource.query(
      `INSERT INTO admin_sessions (admin_id, token_hash, csrf_hash, expires_at)
       SELECT $1, md5(g::text) || md5(g::text), md5(g::text) || md5(g::text), now() - interval '1 hour' FROM generate_series(1, 2500) g`,
      [adminId],
    );
    const deleted = await t.app.get(AdminSessionService).deleteExpiredSessions();
    expect(deleted).toBe(2501);
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM admin_sessions WHERE expires_at <= now()')).toEqual([{ n: 0 }]);
    await request(t.url).get('/admin/api/summary').set('Cookie', live.jar).expect(200);
  });

  it("ends the admin's UI sessions and API keys when the admin is deleted", async () => {
    const admin = await t.app.get(AdminSessionService).createAdmin('leaver@example.com', PASSWORD);
    const { jar } = await signIn('leaver@example.com');
    const { key } = await t.app.get(AdminApiKeyService).issue(admin.id);
    await request(t.url).get('/admin/api/summary').set('Cookie', jar).expect(200);
    await request(t.url).get('/admin/api/summary').set('Authorization', `Bearer ${key}`).expect(200);
    await t.dataSource.query('DELETE FROM admin_users WHERE id = $1', [admin.id]);
    await request(t.url).get('/admin/api/summary').set('Cookie', jar).expect(401);
    expect((await request(t.url).get('/admin/api/summary').set('Authorization', `Bearer ${key}`).expect(401)).body.message).toBe(
      'Unknown or revoked admin API key',
    );
    expect(
      await t.dataSource.query('SELECT 1 FROM admin_sessions WHERE admin_id = $1 UNION ALL SELECT 1 FROM admin_api_keys WHERE admin_id = $1', [admin.id]),
    ).toEqual([]);
  });
});

describe('admin API keys from the command line', () => {
  let t: TestApp;
  let dataDir: string;
  beforeAll(async () => {
    t = await startTestApp();
    dataDir = mkdtempSync(join(tmpdir(), 'oc-cli-'));
  });
  afterAll(() => t?.close());

  // Asynchronous: the embedded test database is served from this very process.
  const cli = (args: string[], input = '') =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['dist/src/auth/admin.cli.js', ...args], {
        env: { PATH: process.env.PATH ?? '', ...baseTestEnv({ DATABASE_URL: t.db.url, DATA_DIR: dataDir }) } as NodeJS.ProcessEnv,
        timeout: 30_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
      child.stdin.end(input);
    });
  const keyOf = (stdout: string) => /^(oca_[0-9a-f]{64})$/m.exec(stdout)?.[1];

  it('admin:create --api-key prints a key once, stored hashed, that works as Bearer on admin routes and /metrics', async () => {
    const run = await cli(['create', '--email', 'robot@localhost', '--api-key'], 'a long enough password\n');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const key = keyOf(run.stdout)!;
    expect(key).toBeDefined();
    const rows = (await t.dataSource.query('SELECT token_hash, display_prefix FROM admin_api_keys')) as { token_hash: string; display_prefix: string }[];
    expect(rows).toEqual([{ token_hash: createHash('sha256').update(key).digest('hex'), display_prefix: key.slice(0, 12) }]);
    await request(t.url).get('/admin/api/summary').set('Authorization', `Bearer ${key}`).expect(200);
    await request(t.url).get('/metrics').set('Authorization', `Bearer ${key}`).expect(200);
    expect((await request(t.url).get('/auth/admin').set('Authorization', `Bearer ${key}`).expect(200)).body.admin).toBe(true);
  });

  it('admin:api-key adds a key for an existing admin; admin:delete ends every key', async () => {
    const second = keyOf((await cli(['api-key', '--email', 'Robot@localhost'])).stdout)!;
    expect(second).toBeDefined();
    await request(t.url).get('/metrics').set('Authorization', `Bearer ${second}`).expect(200);
    const missing = await cli(['api-key', '--email', 'nobody@localhost']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/No admin nobody@localhost; create one with npm run admin:create/);
    expect((await cli(['delete', '--email', 'robot@localhost'])).status).toBe(0);
    await request(t.url).get('/metrics').set('Authorization', `Bearer ${second}`).expect(401);
  });

  it('admin:create refuses an address sign-in would refuse, with the same message', async () => {
    const run = await cli(['create', '--email', 'robot@'], 'a long enough password\n');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/email must be an address such as ops@example.com or admin@localhost/);
  });
});
