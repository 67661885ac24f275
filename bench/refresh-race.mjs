// 1,000 concurrent internal-token requests for one expiring connection, split across two app
// processes on one Postgres: the provider must see exactly one refresh.
// Run: npm run bench:refresh-race   (BENCH_DATABASE_URL=postgres://... to choose the server)
// Exits 1 when the provider saw a number of refreshes other than 1.
import { fork } from 'node:child_process';
import { request, Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { TokenIssuerService } from '../dist/src/auth/token-issuer.service.js';
import { KeyRing } from '../dist/src/crypto/key-ring.js';
import { KEY, PLATFORM, SERVICE_SECRET, appEnv, createPostgresDb, percentile, reachable, removeDir, startFakeProvider, tempDir } from './lib.mjs';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const PROVIDER_DELAY_MS = Number(process.env.BENCH_PROVIDER_DELAY_MS ?? 100);
const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';
const USER = 'race-user';

const children = new Set();
const killChildren = (signal) => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
};
// Children never outlive the parent: SIGKILL whatever is left on every way out.
process.on('exit', () => killChildren('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
const watchdog = setTimeout(() => {
  console.error('refresh-race: watchdog fired after 3 minutes; exiting');
  process.exit(2);
}, 3 * 60_000);
watchdog.unref();

function startChild(env, name) {
  // BENCH_CHILD_NODE_ARGS: extra node flags for the app processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const execArgv = process.env.BENCH_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = fork(fileURLToPath(new URL('./race-server.mjs', import.meta.url)), [], { env, execArgv, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    process.stderr.write(`[${name}] ${d}`);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve({ name, child, url: m.url, stderr: () => stderr });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready`));
    });
  });
}

async function stopChild({ child }) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function post(agent, url, token) {
  return new Promise((resolve) => {
    const started = performance.now();
    const body = JSON.stringify({ userId: USER });
    const req = request(`${url}/social/${PLATFORM}/internal-token`, {
      method: 'POST',
      agent,
      timeout: 30_000,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, ms: performance.now() - started, accessToken: json?.accessToken, error: json?.error });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: `error:${e.message}`, ms: performance.now() - started }));
    req.end(body);
  });
}

let db, provider;
const dirs = [];
let exitCode = 0;
try {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    console.log('BENCH_DATABASE_URL is not set. The embedded PGlite allows only one process, so this bench needs a real Postgres;');
    console.log(`using the local server at ${DEFAULT_URL} (a fresh database is created and dropped).`);
    adminUrl = DEFAULT_URL;
  }
  if (!(await reachable(adminUrl))) {
    if (process.env.BENCH_DATABASE_URL) throw new Error(`BENCH_DATABASE_URL: no Postgres answers at ${new URL(adminUrl).host}`);
    console.log(`SKIPPED: no Postgres answers at ${new URL(adminUrl).host}. Set BENCH_DATABASE_URL to a Postgres 13+ server.`);
    process.exit(0);
  }
  db = await createPostgresDb(adminUrl, 'oc_race');
  provider = await startFakeProvider({ delayMs: PROVIDER_DELAY_MS });
  console.log(`database: fresh ${db.name} on ${new URL(adminUrl).host}; provider answers refreshes after ${PROVIDER_DELAY_MS} ms`);

  const envFor = () => {
    const dataDir = tempDir('oc-bench-race-');
    dirs.push(dataDir);
    return { ...process.env, ...appEnv({ dataDir, providerUrl: provider.url, databaseUrl: db.url, extra: { PORT: '0' } }) };
  };
  // Both start at once: migrations run once, under the app's advisory lock.
  const apps = await Promise.all([startChild(envFor(), 'app-a'), startChild(envFor(), 'app-b')]);
  console.log(`app processes: ${apps.map((a) => `${a.name} pid ${a.child.pid} ${a.url}`).join(', ')}`);

  // One connection whose access token expires in 30 min: inside the 2 h lazy-refresh window.
  const ring = new KeyRing([{ kid: 'k1', key: KEY }]);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(
    `INSERT INTO connections (user_id, platform, access_token, refresh_token, access_token_expires_at, access_token_issued_at, last_refreshed_at, scopes)
     VALUES ($1, $2, $3, $4, now() + interval '30 minutes', now() - interval '23 hours 30 minutes', now() - interval '23 hours 30 minutes', '{}')`,
    [USER, PLATFORM, ring.encrypt('at-old'), ring.encrypt('rt-old')],
  );

  const token = TokenIssuerService.service(SERVICE_SECRET, { sub: 'bench-race', ttl: 300 });
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => post(agent, apps[i % 2].url, token)));
  const wallMs = performance.now() - started;

  const [row] = (await client.query('SELECT token_version, status FROM connections WHERE user_id = $1', [USER])).rows;
  await client.end();
  const statuses = new Map();
  for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  const tokens = new Set(results.filter((r) => r.status === 200).map((r) => r.accessToken));
  const errors = new Map();
  for (const r of results.filter((x) => x.status !== 200)) errors.set(r.error ?? r.status, (errors.get(r.error ?? r.status) ?? 0) + 1);
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const perApp = apps.map((a, k) => `${a.name} ${results.filter((r, i) => i % 2 === k && r.status === 200).length}`).join(', ');

  console.log('');
  console.log(
    `requests:                  ${REQUESTS} concurrent POST /social/${PLATFORM}/internal-token, alternating between 2 processes, in ${(wallMs / 1000).toFixed(2)} s`,
  );
  console.log(`provider refresh requests: ${provider.stats.requests}   (must be 1; duplicates ${provider.stats.duplicates})`);
  console.log(`distinct access tokens:    ${tokens.size}   (must be 1: ${[...tokens].join(', ')})`);
  console.log(`status codes:              ${[...statuses].map(([s, n]) => `${s} x${n}`).join(', ')}   (200s per process: ${perApp})`);
  if (errors.size) console.log(`errors:                    ${[...errors].map(([e, n]) => `${e} x${n}`).join(', ')}`);
  console.log(
    `latency:                   p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms, max ${ms[ms.length - 1].toFixed(0)} ms`,
  );
  console.log(`stored connection:         token_version ${row.token_version}, status ${row.status}`);

  const problems = [];
  if (provider.stats.requests !== 1) problems.push(`the provider saw ${provider.stats.requests} refreshes`);
  if (tokens.size !== 1) problems.push(`${tokens.size} distinct access tokens were handed out`);
  if (problems.length) exitCode = 1;
  console.log(problems.length ? `\nFAIL: ${problems.join('; ')}` : '\nOK');
  await Promise.all(apps.map(stopChild));
} catch (error) {
  exitCode = 1;
  console.error(`refresh-race failed: ${error?.stack ?? error}`);
} finally {
  killChildren('SIGKILL');
  await provider?.close();
  await db?.drop().catch((e) => console.error(`dropping ${db.name}: ${e.message}`));
  for (const d of dirs) removeDir(d);
}
process.exit(exitCode);
