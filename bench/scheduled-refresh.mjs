// Scheduled refresh of 10,000 due connections against a fake provider that answers in 100 ms.
// Run: npm run bench:scheduled-refresh   (BENCH_DATABASE_URL=postgres://... for a real Postgres)
// Exits 1 when a refresh token was presented twice or not every connection was refreshed exactly once.
import 'reflect-metadata';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { createApp, listen } from '../dist/src/app.factory.js';
import { AppLogger } from '../dist/src/common/app-logger.js';
import { loadStartupConfig } from '../dist/src/startup-config.js';
import { KeyRing } from '../dist/src/crypto/key-ring.js';
import { RefreshSchedulerService } from '../dist/src/scheduler/refresh-scheduler.service.js';
import { ConnectionLeaseRepository } from '../dist/src/connections/connection-lease.repository.js';
import { PLATFORM, appEnv, createPostgresDb, forkFakeProvider, mb, removeDir, tempDir } from './lib.mjs';

const N = Number(process.env.BENCH_CONNECTIONS ?? 10_000);
const PROVIDER_DELAY_MS = Number(process.env.BENCH_PROVIDER_DELAY_MS ?? 100);
const CONCURRENCY = process.env.REFRESH_CONCURRENCY ?? '200';
const PER_PROVIDER = process.env.REFRESH_CONCURRENCY_PER_PROVIDER ?? '200';
const POOL = process.env.DB_POOL_SIZE ?? '30';
const BUDGET_MS = 600_000;
const SEED_BATCH = 1000;

// Nothing here may run forever: a hard stop well beyond the run budget.
setTimeout(() => {
  console.error('scheduled-refresh: watchdog fired after 15 minutes; exiting');
  process.exit(2);
}, 15 * 60_000).unref();

const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;
let app, provider, db, dataDir, sampler;
let failed;

try {
  const adminUrl = process.env.BENCH_DATABASE_URL;
  if (adminUrl) {
    db = await createPostgresDb(adminUrl);
    console.log(`database: Postgres, fresh database ${db.name} on ${new URL(adminUrl).host} (dropped afterwards)`);
  } else {
    console.log("database: embedded PGlite (the app's default without DATABASE_URL, in a temporary DATA_DIR).");
    console.log('  NOTE: figures on the embedded database are for development only; set BENCH_DATABASE_URL for a real Postgres.');
  }
  provider = await forkFakeProvider(PROVIDER_DELAY_MS);
  dataDir = tempDir('oc-bench-sched-');
  const env = appEnv({
    dataDir,
    providerUrl: provider.url,
    databaseUrl: db?.url,
    extra: { REFRESH_CONCURRENCY: CONCURRENCY, REFRESH_CONCURRENCY_PER_PROVIDER: PER_PROVIDER, DB_POOL_SIZE: POOL },
  });
  const config = loadStartupConfig(env);
  app = await createApp(config, { logger: new AppLogger(config.logLevel, 'json', (line) => process.stderr.write(`${line}\n`)) });
  await listen(app, config, 0, '127.0.0.1');
  const dataSource = app.get(DataSource);
  const ring = app.get(KeyRing);
  console.log(
    `settings: REFRESH_CONCURRENCY=${CONCURRENCY} REFRESH_CONCURRENCY_PER_PROVIDER=${PER_PROVIDER} DB_POOL_SIZE=${POOL}, provider latency ${PROVIDER_DELAY_MS} ms (separate process), ${N} connections`,
  );

  // Seed: bulk INSERT ... SELECT FROM unnest() in batches, tokens encrypted with the app's key ring.
  // Access tokens expire within the next 5 h (inside the 6 h scheduled window), so every row is due.
  const seedStart = Date.now();
  for (let from = 0; from < N; from += SEED_BATCH) {
    const users = [];
    const access = [];
    const refresh = [];
    for (let i = from; i < Math.min(N, from + SEED_BATCH); i++) {
      users.push(`bench-user-${i}`);
      access.push(ring.encrypt(`at-${i}`));
      refresh.push(ring.encrypt(`rt-${i}`));
    }
    await dataSource.query(
      `INSERT INTO connections (user_id, platform, access_token, refresh_token, access_token_expires_at, access_token_issued_at, last_refreshed_at, scopes)
       SELECT u, $4, a, r, now() + random() * interval '5 hours', now() - interval '19 hours', now() - interval '19 hours', '{}'
       FROM unnest($1::text[], $2::text[], $3::text[]) AS t(u, a, r)`,
      [users, access, refresh, PLATFORM],
    );
  }
  console.log(`seeded ${N} due connections in ${sec(Date.now() - seedStart)}`);

  // Diagnostics only: count the statements the app sends and the scheduler's claim queries.
  const counters = { queries: 0, claims: 0, claimedRows: 0 };
  const pgQuery = pg.Client.prototype.query;
  pg.Client.prototype.query = function (...args) {
    counters.queries++;
    return pgQuery.apply(this, args);
  };
  const leases = app.get(ConnectionLeaseRepository);
  const claimDue = leases.claimDue.bind(leases);
  leases.claimDue = async (args) => {
    const ids = await claimDue(args);
    counters.claims++;
    counters.claimedRows += ids.length;
    return ids;
  };

  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const samples = [];
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  sampler = setInterval(() => samples.push(process.memoryUsage().rss), 100);
  const started = Date.now();
  const report = await app.get(RefreshSchedulerService).runOnce(BUDGET_MS);
  const wallMs = Date.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  loopDelay.disable();
  pg.Client.prototype.query = pgQuery;
  samples.push(process.memoryUsage().rss);
  const peak = Math.max(rssBefore, ...samples);
  globalThis.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  // Keep-alive sockets to the provider, and the 'connect' listeners left on them (each holds a finished request).
  const agentSockets = [...Object.values(http.globalAgent.sockets), ...Object.values(http.globalAgent.freeSockets)].flat();
  const connectListeners = agentSockets.reduce((n, s) => n + s.listenerCount('connect'), 0);

  const [counts] = await dataSource.query(
    `SELECT count(*) FILTER (WHERE token_version = 2)::int AS v2, count(*) FILTER (WHERE token_version > 2)::int AS over,
            count(*) FILTER (WHERE token_version = 1)::int AS v1, count(*) FILTER (WHERE refresh_lease_owner IS NOT NULL)::int AS leased
     FROM connections WHERE platform = $1`,
    [PLATFORM],
  );
  const [log] = await dataSource.query(
    `SELECT count(*) FILTER (WHERE outcome = 'success')::int AS ok, count(*) FILTER (WHERE outcome <> 'success')::int AS ko FROM refresh_log WHERE trigger = 'scheduled'`,
  );
  const failures = await dataSource.query(
    `SELECT failure_class, left(message, 160) AS message, count(*)::int AS n FROM refresh_failures GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5`,
  );
  const stats = await provider.stats();
  const q = (i) => samples[Math.min(samples.length - 1, Math.floor(i * (samples.length - 1)))];
  const lag = (p) => `${(loopDelay.percentile(p) / 1e6).toFixed(0)} ms`;

  console.log('');
  console.log(`wall time of runOnce:          ${sec(wallMs)}   (goal < 30 s)`);
  console.log(
    `sequential (1 at a time):      ${sec(N * PROVIDER_DELAY_MS)} expected (${N} x ${PROVIDER_DELAY_MS} ms), ${((N * PROVIDER_DELAY_MS) / wallMs).toFixed(0)}x slower`,
  );
  console.log(`throughput:                    ${(N / (wallMs / 1000)).toFixed(0)} refreshes/s`);
  console.log(
    `run report:                    claimed ${report.claimed}, refreshed ${report.refreshed}, failed ${report.failed}, stoppedByBudget ${report.stoppedByBudget}`,
  );
  console.log(
    `CPU of the app process:        ${sec((cpu.user + cpu.system) / 1000)} (${((100 * (cpu.user + cpu.system)) / 1000 / wallMs).toFixed(0)} % of one core) = ${((cpu.user + cpu.system) / 1000 / N).toFixed(2)} ms per refresh`,
  );
  console.log(`event-loop delay:              p50 ${lag(50)}, p99 ${lag(99)}, max ${(loopDelay.max / 1e6).toFixed(0)} ms`);
  console.log(
    `database statements:           ${counters.queries} (${(counters.queries / N).toFixed(1)} per refresh); claim queries ${counters.claims} (${(counters.claimedRows / Math.max(1, counters.claims)).toFixed(1)} rows each)`,
  );
  console.log(`provider refresh requests:     ${stats.requests} (max in flight ${stats.maxInFlight}, other requests ${stats.other})`);
  console.log(`duplicate refresh tokens:      ${stats.duplicates}   (must be 0)`);
  console.log(
    `refreshed (token_version = 2): ${counts.v2} of ${N}   (must be ${N}; version > 2: ${counts.over}, still 1: ${counts.v1}, leases left: ${counts.leased})`,
  );
  for (const f of failures) console.log(`  refresh failure x${f.n}: ${f.failure_class}: ${f.message}`);
  console.log(`refresh_log rows:              ${log.ok} success, ${log.ko} failure`);
  console.log(`RSS before the run:            ${mb(rssBefore)}`);
  console.log(
    `RSS during the run:            peak ${mb(peak)}; at 25/50/75/100 % of the run ${[0.25, 0.5, 0.75, 1].map((p) => mb(q(p))).join(' / ')} (${samples.length} samples, every 100 ms)`,
  );
  console.log(`heap used${globalThis.gc ? ' (after full GC)' : ' (no GC forced)'}:     ${mb(heapBefore)} before, ${mb(heapAfter)} after the run`);
  console.log(`provider keep-alive sockets:   ${agentSockets.length}, with ${connectListeners} 'connect' listeners left on them`);

  const problems = [];
  if (stats.duplicates > 0) problems.push(`${stats.duplicates} duplicate refresh tokens`);
  if (counts.v2 !== N || counts.over > 0) problems.push(`refreshed ${counts.v2} (token_version = 2) of ${N}, ${counts.over} refreshed more than once`);
  failed = problems.length > 0;
  console.log(failed ? `\nFAIL: ${problems.join('; ')}` : `\nOK${wallMs >= 30_000 ? ' (but slower than the 30 s goal)' : ''}`);
} catch (error) {
  failed = true;
  console.error(`scheduled-refresh failed: ${error?.stack ?? error}`);
} finally {
  clearInterval(sampler);
  await app?.close().catch((e) => console.error(`closing the app: ${e.message}`));
  await provider?.close();
  await db?.drop().catch((e) => console.error(`dropping ${db.name}: ${e.message}`));
  removeDir(dataDir);
}
process.exit(failed ? 1 : 0);
