import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';

// Runs the built service (npm test builds dist/ first) as an operator would.
const MAIN = 'dist/src/main.js';
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

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
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
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
    expect(res.stderr).toMatch(/TOKEN_ENCRYPTION_KEYS \(or TOKEN_ENCRYPTION_KEY\) is required in production/);
    expect(res.stderr).toMatch(/SESSION_JWT_SECRET is required in production/);
    expect(res.stderr).toMatch(/SERVICE_JWT_SECRET is required in production/);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('in production, names a malformed key without printing it', () => {
    const key = 'f'.repeat(63);
    const res = runToExit({ NODE_ENV: 'production', TOKEN_ENCRYPTION_KEY: key, SESSION_JWT_SECRET: 's'.repeat(40), SERVICE_JWT_SECRET: 't'.repeat(40) });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/TOKEN_ENCRYPTION_KEY: key "k1" must be 64 hex characters \(got 63 characters\)/);
    expect(res.stderr).not.toContain(key);
  });

  it('with no configuration, serves /health and /docs on the embedded database and reuses data and secrets on restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'oc-dev-'));
    const port = await freePort();
    const first = await start({ DATA_DIR: dataDir }, port);
    try {
      expect((await fetch(`http://127.0.0.1:${port}/docs`)).status).toBe(200);
      expect(first.output()).toMatch(/Generated development secrets TOKEN_ENCRYPTION_KEYS, SESSION_JWT_SECRET, SERVICE_JWT_SECRET/);
      expect(first.output()).toMatch(/Applied migrations: InitialSchema/);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const secrets = readFileSync(join(dataDir, 'secrets.json'), 'utf8');
    const token = spawnSync(process.execPath, ['dist/src/auth/token.cli.js', 'session', '--sub', 'dev-user'], { env: { ...baseEnv, DATA_DIR: dataDir }, encoding: 'utf8' }).stdout.trim();

    const second = await start({ DATA_DIR: dataDir }, port);
    try {
      expect(second.output()).toMatch(/Database schema is up to date/);
      expect(second.output()).toMatch(/Using development secrets/);
      expect(second.output()).not.toMatch(/Generated development secrets/);
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
    const first = await start({ DATA_DIR: dataDir }, await freePort());
    try {
      const res = runToExit({ DATA_DIR: dataDir, PORT: String(await freePort()) });
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(/embedded database .* is in use by process/);
    } finally {
      await first.stop();
    }
  });
});
