import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { createTestDb } from '../helpers/test-db.js';

// Runs the built service (npm test builds dist/ first) as an operator would.
const MAIN = 'dist/src/main.js';
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
// What `npm start` adds (package.json): the service itself has no NODE_ENV default.
const NPM_START = { NODE_ENV: 'development' };
const SECRETS = { TOKEN_ENCRYPTION_KEY: 'e'.repeat(64), SESSION_JWT_SECRET: 's'.repeat(40), SERVICE_JWT_SECRET: 't'.repeat(40) };

/** Every file and directory under `dir` with a mode other than 0600 (files) or 0700 (directories). */
function notPrivate(dir: string): string[] {
  const out = spawnSync('find', [dir, '(', '-type', 'f', '!', '-perm', '600', ')', '-o', '(', '-type', 'd', '!', '-perm', '700', ')'], { encoding: 'utf8' });
  return out.stdout.split('\n').filter(Boolean);
}

const lastLines = (output: string, n: number) =>
  output
    .trimEnd()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function runToExit(env: Record<string, string>) {
  return spawnSync(process.execPath, [MAIN], { env: { ...baseEnv, ...env }, encoding: 'utf8', timeout: 30_000 });
}

type Started = { child: ChildProcess; output: () => string; stop: () => Promise<number | null> };

async function start(env: Record<string, string>, port: number): Promise<Started> {
  const child = spawn(process.execPath, [MAIN], { env: { ...baseEnv, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const started = Date.now();
  while (Date.now() - started < 30_000) {
    if (child.exitCode !== null) throw new Error(`service exited early:\n${out}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

describe('starting the service', () => {
  it('in production, refuses to start without secrets and names each one', () => {
    const res = runToExit({ NODE_ENV: 'production', DATA_DIR: mkdtempSync(join(tmpdir(), 'oc-prod-')) });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/DATABASE_URL is required in production/);
    expect(res.stderr).toMatch(/TOKEN_ENCRYPTION_KEYS \(or TOKEN_ENCRYPTION_KEY\) is required in production/);
    expect(res.stderr).toMatch(/SESSION_JWT_SECRET is required in production/);
    expect(res.stderr).toMatch(/SERVICE_JWT_SECRET is required in production/);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('in production, names a malformed key without printing it', () => {
    const key = 'f'.repeat(63);
    const res = runToExit({
      NODE_ENV: 'production',
      TOKEN_ENCRYPTION_KEY: key,
      SESSION_JWT_SECRET: 's'.repeat(40),
      SERVICE_JWT_SECRET: 't'.repeat(40),
      DATABASE_URL: 'postgres://app:pw@127.0.0.1:1/app',
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/TOKEN_ENCRYPTION_KEY: key "k1" must be 64 hex characters \(got 63 characters\)/);
    expect(res.stderr).not.toContain(key);
  });

  it('as npm start runs it, serves /health and /docs on the embedded database, prints the admin last, and reuses data and secrets on restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'oc-dev-'));
    const port = await freePort();
    const first = await start({ ...NPM_START, DATA_DIR: dataDir }, port);
    let password: string;
    try {
      expect((await fetch(`http://127.0.0.1:${port}/docs`)).status).toBe(200);
      expect(first.output()).toMatch(/Generated development secrets TOKEN_ENCRYPTION_KEYS, SESSION_JWT_SECRET, SERVICE_JWT_SECRET/);
      expect(first.output()).toMatch(/Applied migrations: InitialSchema/);
      // The development admin comes last: after the route table and "Listening", where a person looks.
      const output = first.output();
      expect(output.indexOf('Created a development admin')).toBeGreaterThan(output.lastIndexOf('Mapped {'));
      expect(output.indexOf('Created a development admin')).toBeGreaterThan(output.indexOf('Listening on'));
      // Last of the startup lines; the access log's lines ([HTTP]) follow with the requests.
      const [where, who] = lastLines(
        output
          .split('\n')
          .filter((l) => !l.includes(' [HTTP] '))
          .join('\n'),
        2,
      );
      expect(where).toContain(`Sign in at http://localhost:${port}/admin`);
      password = /as \S+@\S+ with password (\S+)$/.exec(who!)![1]!;
      expect(password.length).toBeGreaterThanOrEqual(12);
      // The data directory is private to its owner, including what PGlite wrote.
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(notPrivate(dataDir)).toEqual([]);
      expect(output).not.toContain(JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).EMBEDDED_DB_PASSWORD);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const secrets = readFileSync(join(dataDir, 'secrets.json'), 'utf8');
    const token = spawnSync(process.execPath, ['dist/src/auth/token.cli.js', 'session', '--sub', 'dev-user'], {
      env: { ...baseEnv, ...NPM_START, DATA_DIR: dataDir },
      encoding: 'utf8',
    }).stdout.trim();

    const second = await start({ ...NPM_START, DATA_DIR: dataDir }, port);
    try {
      expect(second.output()).toMatch(/Database schema is up to date/);
      expect(second.output()).toMatch(/Using development secrets/);
      expect(second.output()).not.toMatch(/Generated development secrets/);
      expect(second.output()).not.toMatch(/Created a development admin/);
      expect(second.output()).not.toContain(password);
      const res = await fetch(`http://127.0.0.1:${port}/auth/session`, { headers: { authorization: `Bearer ${token}` } });
      expect(await res.json()).toEqual({ userId: 'dev-user', admin: false });
    } finally {
      expect(await second.stop()).toBe(0);
      expect(existsSync(join(dataDir, 'embedded-db.lock'))).toBe(false);
    }
    expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).toBe(secrets);
    // The data directory holds the migrated database.
    const db = await EmbeddedPostgres.start({ dataDir, maxConnections: 2 });
    try {
      const pg = await import('pg');
      const client = new pg.default.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query('SELECT name FROM migrations');
      await client.end();
      expect(rows.map((r: { name: string }) => r.name)).toContain('InitialSchema1764000000000');
    } finally {
      await db.stop();
    }
  });

  it('refuses a second process on the same embedded data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'oc-lock-'));
    const first = await start({ ...NPM_START, DATA_DIR: dataDir }, await freePort());
    try {
      const res = runToExit({ ...NPM_START, DATA_DIR: dataDir, PORT: String(await freePort()) });
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(/embedded database .* is in use by process/);
    } finally {
      await first.stop();
    }
  });

  it('without NODE_ENV on a public address, runs with production rules: no dev session, no demo provider, no development admin', async () => {
    const db = await createTestDb(process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded');
    const port = await freePort();
    const service = await start({ ...SECRETS, HOST: '0.0.0.0', DATABASE_URL: db.url, DATA_DIR: mkdtempSync(join(tmpdir(), 'oc-unset-')) }, port);
    try {
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/my/dev-session?userId=anyone`)).status).toBe(404);
      expect((await fetch(`${base}/demo-provider/.well-known/oauth-authorization-server`)).status).toBe(404);
      const platforms = (await (await fetch(`${base}/social/platforms`)).json()) as { id: string }[];
      expect(platforms.map((p) => p.id)).not.toContain('demo');
      const page = await (await fetch(`${base}/my/settings/social`)).text();
      expect(page).not.toContain('data-dev-session');
      const output = service.output();
      for (const line of [
        'Development sessions (GET /my/dev-session) are off: NODE_ENV is not set',
        'The demo provider (/demo-provider) is off: NODE_ENV is not set',
        'No development admin is created: NODE_ENV is not set',
      ]) {
        expect(output).toContain(line);
      }
      expect(output).not.toMatch(/Created a development admin|Generated development secrets/);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query('SELECT count(*)::int AS n FROM admin_users');
      await client.end();
      expect(rows[0].n).toBe(0);
    } finally {
      expect(await service.stop()).toBe(0);
      await db.drop();
    }
  });

  it('in development on a public address, refuses each convenience at startup and refuses to generate secrets', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'oc-dev-public-'));
    const refused = runToExit({ ...NPM_START, HOST: '0.0.0.0', DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(refused.status).toBe(1);
    for (const name of ['TOKEN_ENCRYPTION_KEYS (or TOKEN_ENCRYPTION_KEY)', 'SESSION_JWT_SECRET', 'SERVICE_JWT_SECRET']) {
      expect(refused.stderr).toContain(`${name} is required: HOST=0.0.0.0 is not loopback`);
    }
    expect(existsSync(join(dataDir, 'secrets.json'))).toBe(false);

    const port = await freePort();
    const service = await start({ ...NPM_START, ...SECRETS, HOST: '0.0.0.0', DATA_DIR: dataDir }, port);
    try {
      expect((await fetch(`http://127.0.0.1:${port}/my/dev-session?userId=anyone`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/demo-provider/.well-known/oauth-authorization-server`)).status).toBe(404);
      const warnings = service
        .output()
        .split('\n')
        .filter((l) => l.includes('is not loopback'));
      expect(warnings).toEqual([
        expect.stringContaining('Development sessions (GET /my/dev-session) are off: HOST=0.0.0.0 is not loopback'),
        expect.stringContaining('The demo provider (/demo-provider) is off: HOST=0.0.0.0 is not loopback'),
        expect.stringContaining('No development admin is created: HOST=0.0.0.0 is not loopback'),
      ]);
      expect(service.output()).not.toMatch(/Created a development admin/);
    } finally {
      expect(await service.stop()).toBe(0);
    }
  });
});
