// A database outage under load: four internal-token callers while a TCP proxy cuts every database
// connection for 3 s, then lets them through again. Prints how fast the service answers while the
// database is gone and how fast it recovers, each next to its goal.
// Run: npm run bench:database-outage   (BENCH_DATABASE_URL=postgres://... for a real Postgres)
// Exits 1 when the behaviour is wrong (any answer but 503 database_unavailable during the outage,
// or no recovery); the figures are reported against their goals, not enforced.
import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { createApp, listen } from '../dist/src/app.factory.js';
import { TokenIssuerService } from '../dist/src/auth/token-issuer.service.js';
import { AppLogger } from '../dist/src/common/app-logger.js';
import { loadConfig } from '../dist/src/config/load-config.js';
import { KeyRing } from '../dist/src/crypto/key-ring.js';
import { EmbeddedPostgres } from '../dist/src/database/embedded-postgres.js';
import { PLATFORM, SERVICE_SECRET, appEnv, createPostgresDb, percentile, removeDir, tempDir } from './lib.mjs';
import { proxiedUrl, startTcpProxy } from './tcp-proxy.mjs';

const OUTAGE_MS = Number(process.env.BENCH_OUTAGE_MS ?? 3_000);
const USERS = ['u0', 'u1', 'u2', 'u3'];
// The goals are the ceilings test/integration/faults.spec.ts asserted until they moved here.
const GOALS = { slowestMs: 12_000, readyDuringOutageMs: 3_000, readyAgainMs: 5_000, servingAgainMs: 5_000 };

setTimeout(() => {
  console.error('database-outage: watchdog fired after 2 minutes; exiting');
  process.exit(2);
}, 120_000).unref();

/** One bounded HTTP call; a network failure or timeout is status 0. */
async function call(url, init = {}, timeoutMs = 15_000) {
  const start = Date.now();
  try {
    const res = await fetch(url, { ...init, signal: globalThis.AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { start, end: Date.now(), ms: Date.now() - start, status: res.status, body };
  } catch (error) {
    return { start, end: Date.now(), ms: Date.now() - start, status: 0, body: String(error) };
  }
}

async function until(what, probe, timeoutMs, everyMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

const verdict = (ms, goal) => `${String(ms).padStart(6)} ms   (goal < ${goal} ms${ms < goal ? '' : ', MISSED'})`;
let app, proxy, db, embedded, dataDir;
let appLogLines = 0;
let failed;

try {
  const adminUrl = process.env.BENCH_DATABASE_URL;
  if (adminUrl) {
    db = await createPostgresDb(adminUrl);
    console.log(`database: Postgres, fresh database ${db.name} on ${new URL(adminUrl).host} (dropped afterwards)`);
  } else {
    embedded = await EmbeddedPostgres.start({ maxConnections: 40 });
    console.log('database: embedded PGlite behind its socket (set BENCH_DATABASE_URL for a real Postgres)');
  }
  const target = new URL(db?.url ?? embedded.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  dataDir = tempDir('oc-bench-outage-');
  const env = appEnv({
    dataDir,
    providerUrl: 'http://127.0.0.1:9',
    databaseUrl: proxiedUrl(target.toString(), proxy),
    extra: { DB_STATEMENT_TIMEOUT_MS: '2000', LOG_LEVEL: 'error' },
  });
  const config = loadConfig(env);
  // Every 503 is logged as an error by design; counted here rather than printed.
  app = await createApp(config, { logger: new AppLogger(config.logLevel, 'json', () => void appLogLines++) });
  await listen(app, config, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  const ring = app.get(KeyRing);
  await app.get(DataSource).query(
    `INSERT INTO connections (user_id, platform, access_token, refresh_token, access_token_expires_at, access_token_issued_at, last_refreshed_at, scopes)
     SELECT u, $3, a, NULL, now() + interval '1 day', now(), now(), '{}' FROM unnest($1::text[], $2::text[]) AS t(u, a)`,
    [USERS, USERS.map((u) => ring.encrypt(`at-${u}`)), PLATFORM],
  );
  const token = TokenIssuerService.service(SERVICE_SECRET, { sub: 'bench-outage', ttl: 300 });
  const internalToken = (user) =>
    call(`${url}/social/${PLATFORM}/internal-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: user }),
    });

  const samples = [];
  let stop = false;
  const loops = USERS.map(async (user) => {
    while (!stop) {
      samples.push({ ...(await internalToken(user)), user });
      await sleep(20);
    }
  });
  await sleep(1_500);
  const cutAt = Date.now();
  proxy.cut();
  await sleep(Math.min(1_000, OUTAGE_MS / 3));
  const readyDuring = await call(`${url}/health/ready`);
  await sleep(Math.max(0, cutAt + OUTAGE_MS - Date.now()));
  const restoreAt = Date.now();
  proxy.restore();
  const readyAgain = await until(
    '200 from /health/ready',
    async () => ((await call(`${url}/health/ready`)).status === 200 ? Date.now() : undefined),
    10_000,
    100,
  ).catch(() => undefined);
  await until(
    '20 internal-token successes after the restore',
    () => samples.filter((s) => s.start > restoreAt && s.status === 200).length >= 20,
    15_000,
    50,
  ).catch(() => undefined);
  stop = true;
  await Promise.all(loops);

  const before = samples.filter((s) => s.end < cutAt);
  const during = samples.filter((s) => s.start > cutAt && s.end <= restoreAt);
  const spanning = samples.filter((s) => s.end >= cutAt && s.start <= restoreAt);
  const after = samples.filter((s) => s.start > restoreAt);
  const firstOk = after.find((s) => s.status === 200);
  const duringMs = during.map((s) => s.ms).sort((a, b) => a - b);
  const slowest = Math.max(...spanning.map((s) => s.ms));
  const answers = [...new Set(during.map((s) => `${s.status} ${s.body?.error ?? ''}`.trim()))];

  console.log(
    `outage: ${OUTAGE_MS} ms, ${USERS.length} callers in a loop; ${samples.length} requests (${before.length} before, ${during.length} during, ${after.length} after); proxy refused ${proxy.refused} connections`,
  );
  console.log(`app log lines (LOG_LEVEL=error): ${appLogLines}`);
  console.log(`answers during the outage:     ${answers.join(', ')}   (must be only 503 database_unavailable)`);
  console.log(`503 latency during the outage: p50 ${percentile(duringMs, 50)} ms, p99 ${percentile(duringMs, 99)} ms`);
  console.log(`slowest request near the outage: ${verdict(slowest, GOALS.slowestMs)}`);
  console.log(`/health/ready during the outage: ${readyDuring.status} in ${verdict(readyDuring.ms, GOALS.readyDuringOutageMs)}`);
  console.log(`ready again after the restore: ${readyAgain ? verdict(readyAgain - restoreAt, GOALS.readyAgainMs) : 'NEVER (within 10 s)'}`);
  console.log(`first success after the restore: ${firstOk ? verdict(firstOk.end - restoreAt, GOALS.servingAgainMs) : 'NEVER (within 15 s)'}`);

  const problems = [];
  if (before.length === 0 || before.some((s) => s.status !== 200)) problems.push('not every call before the outage was served');
  if (during.length === 0) problems.push('no call was answered during the outage');
  if (answers.some((a) => a !== '503 database_unavailable')) problems.push(`answered ${answers.join(', ')} during the outage`);
  if (readyDuring.status !== 503) problems.push(`/health/ready answered ${readyDuring.status} during the outage`);
  if (!readyAgain || !firstOk) problems.push('did not recover');
  failed = problems.length > 0;
  console.log(failed ? `\nFAIL: ${problems.join('; ')}` : '\nOK');
} catch (error) {
  failed = true;
  console.error(`database-outage failed: ${error?.stack ?? error}`);
} finally {
  proxy?.restore();
  await app?.close().catch((e) => console.error(`closing the app: ${e.message}`));
  await proxy?.close();
  await db?.drop().catch((e) => console.error(`dropping ${db.name}: ${e.message}`));
  await embedded?.stop().catch((e) => console.error(`stopping the embedded database: ${e.message}`));
  removeDir(dataDir);
}
process.exit(failed ? 1 : 0);
