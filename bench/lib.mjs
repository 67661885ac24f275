// Shared bits of the benches: app environment, a fake OAuth provider with refresh-token rotation,
// a PROVIDERS_FILE, and a throw-away database on a real Postgres server.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URLSearchParams } from 'node:url';
import pg from 'pg';

export const PLATFORM = 'benchfake';
export const KEY = 'c'.repeat(64);
export const SESSION_SECRET = 'bench-session-secret-0123456789abcdefghij';
export const SERVICE_SECRET = 'bench-service-secret-0123456789abcdefghij';
export const CLIENT_SECRET = 'bench-client-secret';

/** A temp dir removed by `cleanup()`. */
export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Environment for one app instance (string values only: it is also passed to child processes). */
export function appEnv({ dataDir, providerUrl, databaseUrl, extra = {} }) {
  const providersFile = join(dataDir, 'providers.json');
  writeFileSync(
    providersFile,
    JSON.stringify({
      [PLATFORM]: {
        authorizationUrl: `${providerUrl}/authorize`,
        tokenUrl: `${providerUrl}/token`,
        clientId: 'bench-client',
        clientSecret: 'env:BENCH_CLIENT_SECRET',
      },
    }),
  );
  const env = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    TOKEN_ENCRYPTION_KEYS: `k1:${KEY}`,
    SESSION_JWT_SECRET: SESSION_SECRET,
    SERVICE_JWT_SECRET: SERVICE_SECRET,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    PROVIDERS_FILE: providersFile,
    BENCH_CLIENT_SECRET: CLIENT_SECRET,
    REFRESH_CRON: 'off',
    ...extra,
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return env;
}

/**
 * A fake OAuth provider on 127.0.0.1:0. POST /token with grant_type=refresh_token answers after
 * `delayMs` with a new access token and a rotated refresh token. A refresh token presented a second
 * time is a duplicate (and, like a real rotating provider, is rejected with invalid_grant).
 */
export async function startFakeProvider({ delayMs = 100, expiresIn = 86_400 } = {}) {
  const seen = new Set();
  const stats = { requests: 0, duplicates: 0, other: 0, inFlight: 0, maxInFlight: 0 };
  const timers = new Set();
  let n = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const rt = form.get('refresh_token');
      if (req.method !== 'POST' || req.url !== '/token' || form.get('grant_type') !== 'refresh_token' || !rt) {
        stats.other++;
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
        return;
      }
      stats.requests++;
      const duplicate = seen.has(rt);
      if (duplicate) stats.duplicates++;
      seen.add(rt);
      const id = ++n;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      const timer = setTimeout(() => {
        timers.delete(timer);
        stats.inFlight--;
        const body = duplicate
          ? { error: 'invalid_grant', error_description: 'refresh token already used' }
          : { access_token: `at-new-${id}`, refresh_token: `${rt}.r${id}`, expires_in: expiresIn, token_type: 'Bearer' };
        res.writeHead(duplicate ? 400 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      }, delayMs);
      timers.add(timer);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stats,
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Creates a fresh database on the server of `adminUrl`; returns its URL and a drop function. */
export async function createPostgresDb(adminUrl, prefix = 'oc_bench') {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** True when a Postgres server answers at `url` within 3 s. */
export async function reachable(url) {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export function removeDir(dir) {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

export const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The fake provider in a child process (bench/provider-process.mjs); `stats()` asks it for its counters. */
export async function forkFakeProvider(delayMs = 100) {
  const child = fork(new URL('./provider-process.mjs', import.meta.url), [], { env: { ...process.env, BENCH_PROVIDER_DELAY_MS: String(delayMs) } });
  process.on('exit', () => child.kill('SIGKILL'));
  const { url } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`fake provider exited (${code}) before it was ready`)));
  });
  return {
    url,
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m.stats));
        child.send({ stats: true });
      }),
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      await exited;
    },
  };
}
