// How many of a job's token calls reach the service when the job uses the client package (client/).
// Run: npm run bench:token-client   (BENCH_DATABASE_URL=postgres://... for a real Postgres)
//
// The service runs in this process (LOG_LEVEL=warn, REFRESH_CRON=off, REFRESH_WINDOW=1m, test
// secrets) with the bench's fake provider (bench/lib.mjs: 1-hour tokens, 100 ms per refresh). It holds
// BENCH_USERS (default 1,000) connections whose 1-hour tokens were issued at random times over the
// last hour, the steady state of a fleet of users. The job is a child process (this file with the
// argument "job") using the built client (client/dist) with its defaults (60 s margin): it asks every
// user once (warm-up), then, for BENCH_DURATION seconds (default 30), runs BENCH_JOB_CONCURRENCY
// (default 50) loops that each ask for a random user's token as fast as they get answers.
// Calls reaching the service are counted by the service itself (oc_internal_token_requests_total).
// Goal: at least 100 times fewer service calls than job calls in steady state.
// Exits 1 on any failed call or when the goal is missed. Figures: bench/README.md.
if (process.argv[2] === 'job') {
  await job();
} else {
  await main();
}

async function job() {
  const { setImmediate: yieldToIo } = await import('node:timers/promises');
  const { createTokenClient } = await import('../client/dist/index.js');
  const ask = (message) =>
    new Promise((resolve) => {
      process.once('message', resolve);
      process.send(message);
    });
  const { baseUrl, secret, platform, users, duration, concurrency } = await ask({ ready: true });
  const client = createTokenClient({ baseUrl, serviceName: 'bench-job', serviceSecret: secret });
  const user = (i) => ({ userId: `bench-user-${i}`, platform });
  let failures = 0;
  const firstFailures = [];
  const call = async (i) => {
    try {
      await client.getToken(user(i));
      return true;
    } catch (error) {
      failures++;
      if (firstFailures.length < 5) firstFailures.push(`${error.name} ${error.code}: ${error.message}`);
      return false;
    }
  };

  const warmStart = Date.now();
  for (let from = 0; from < users; from += 50) await Promise.all(Array.from({ length: Math.min(50, users - from) }, (_, k) => call(from + k)));
  const warm = { seconds: (Date.now() - warmStart) / 1000, stats: client.stats() };
  await ask({ warm });

  let calls = 0;
  const end = Date.now() + duration * 1000;
  const started = Date.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = 1; Date.now() < end; n++) {
        if (await call(Math.floor(Math.random() * users))) calls++;
        // Cache hits resolve without I/O: let the event loop in, or a miss's request would never complete.
        if (n % 500 === 0) await yieldToIo();
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  process.send({ done: { calls, seconds, failures, firstFailures, cpuMs: (cpu.user + cpu.system) / 1000, stats: client.stats(), warmStats: warm.stats } }, () =>
    process.exit(0),
  );
}

async function main() {
  await import('reflect-metadata');
  const { fork } = await import('node:child_process');
  const { loadavg, cpus } = await import('node:os');
  const { fileURLToPath } = await import('node:url');
  const { DataSource } = await import('typeorm');
  const { createApp, listen } = await import('../dist/src/app.factory.js');
  const { AppLogger } = await import('../dist/src/common/app-logger.js');
  const { loadStartupConfig } = await import('../dist/src/startup-config.js');
  const { KeyRing } = await import('../dist/src/crypto/key-ring.js');
  const { MetricsService } = await import('../dist/src/metrics/metrics.service.js');
  const { PLATFORM, SERVICE_SECRET, appEnv, createPostgresDb, removeDir, startFakeProvider, tempDir } = await import('./lib.mjs');

  const USERS = Number(process.env.BENCH_USERS ?? 1000);
  const DURATION = Number(process.env.BENCH_DURATION ?? 30);
  const CONCURRENCY = Number(process.env.BENCH_JOB_CONCURRENCY ?? 50);
  const TOKEN_SECONDS = 3600;
  const MARGIN_SECONDS = 60; // the client's default refreshMarginSeconds
  const GOAL = 100;

  const watchdog = setTimeout(() => {
    console.error('token-client: watchdog fired after 10 minutes; exiting');
    process.exit(2);
  }, 10 * 60_000);
  watchdog.unref();
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const fmt = (n, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

  let app, db, dataDir, provider, child;
  let failed = false;
  try {
    console.log(`machine: ${cpus().length} cores, load average ${load()} (1/5/15 min) at start`);
    const adminUrl = process.env.BENCH_DATABASE_URL;
    if (adminUrl) {
      db = await createPostgresDb(adminUrl, 'oc_bench_tc');
      console.log(`database: Postgres, fresh database ${db.name} on ${new URL(adminUrl).host} (dropped afterwards)`);
    } else {
      console.log("database: embedded PGlite (the app's default without DATABASE_URL, served from this process)");
    }
    provider = await startFakeProvider({ delayMs: 100, expiresIn: TOKEN_SECONDS });
    dataDir = tempDir('oc-bench-tc-');
    // REFRESH_WINDOW=1m: the service renews a token when the client comes back for it (at expiresAt - 60 s),
    // not earlier, so each user costs one service call per token lifetime (see bench/README.md).
    const env = appEnv({
      dataDir,
      providerUrl: provider.url,
      databaseUrl: db?.url,
      extra: { NODE_ENV: 'test', LOG_LEVEL: 'warn', REFRESH_CRON: 'off', REFRESH_WINDOW: '1m' },
    });
    const config = loadStartupConfig(env);
    app = await createApp(config, { logger: new AppLogger(config.logLevel, 'json', (line) => process.stderr.write(`${line}\n`)) });
    await listen(app, config, 0, '127.0.0.1');
    const baseUrl = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    const dataSource = app.get(DataSource);
    const ring = app.get(KeyRing);
    const served = async () => (await app.get(MetricsService).internalTokens.get()).values.reduce((sum, v) => sum + v.value, 0);

    // 1-hour tokens issued at random times over the last hour: each expires at a uniformly random time within the next hour.
    const users = [];
    const access = [];
    const refresh = [];
    const expires = [];
    const now = Date.now();
    for (let i = 0; i < USERS; i++) {
      users.push(`bench-user-${i}`);
      access.push(ring.encrypt(`at-${i}-${'x'.repeat(120)}`));
      refresh.push(ring.encrypt(`rt-${i}`));
      expires.push(new Date(now + Math.random() * TOKEN_SECONDS * 1000).toISOString());
    }
    await dataSource.query(
      `INSERT INTO connections (user_id, platform, account_id, username, access_token, refresh_token, access_token_expires_at, access_token_issued_at, last_refreshed_at, scopes)
       SELECT u, $5, 'acct-' || u, 'name-' || u, a, r, e, e - interval '1 hour', e - interval '1 hour', '{read,write}'
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS t(u, a, r, e)`,
      [users, access, refresh, expires, PLATFORM],
    );
    console.log(`seeded ${USERS} connections with 1-hour tokens, expiring uniformly over the next hour`);
    console.log(
      `job: client defaults (refreshMarginSeconds ${MARGIN_SECONDS}, maxCacheEntries 10,000), ${CONCURRENCY} loops over random users, ${DURATION} s after a warm-up that asks every user once`,
    );

    child = fork(fileURLToPath(import.meta.url), ['job'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`the job exited (${code}) before it reported`))));
    const next = () => Promise.race([new Promise((resolve) => child.once('message', resolve)), exited]);
    await next(); // ready
    const beforeWarm = await served();
    const refreshesBeforeWarm = provider.stats.requests;
    const warmFrom = Date.now();
    child.send({ baseUrl, secret: SERVICE_SECRET, platform: PLATFORM, users: USERS, duration: DURATION, concurrency: CONCURRENCY });
    const { warm } = await next();
    const afterWarm = await served();
    const refreshesAfterWarm = provider.stats.requests;
    console.log(
      `warm-up: ${USERS} job calls in ${fmt(warm.seconds, 2)} s -> ${afterWarm - beforeWarm} service calls, ${refreshesAfterWarm - refreshesBeforeWarm} provider refreshes (tokens with under a minute left)`,
    );
    const loadBefore = load();
    child.send({ go: true });
    const { done } = await next();
    const steadyTo = Date.now();
    // The seeded tokens whose cache life (expiresAt - 60 s) ended after the warm-up began: the misses to expect
    // (those that ended after their warm-up call and before the run are asked for again in the run).
    const due = expires.filter((e) => Date.parse(e) - MARGIN_SECONDS * 1000 >= warmFrom && Date.parse(e) - MARGIN_SECONDS * 1000 < steadyTo).length;
    const afterSteady = await served();
    const serviceCalls = afterSteady - afterWarm;
    const refreshes = provider.stats.requests - refreshesAfterWarm;

    const jobRate = done.calls / done.seconds;
    const serviceRate = serviceCalls / done.seconds;
    const ratio = serviceCalls === 0 ? Infinity : done.calls / serviceCalls;
    const expectedRate = USERS / (TOKEN_SECONDS - MARGIN_SECONDS);
    console.log('');
    console.log(`steady state (${fmt(done.seconds, 1)} s, load average ${loadBefore} -> ${load()}):`);
    console.log(
      `  calls served to the job:     ${fmt(jobRate, 0)} calls/s (${done.calls.toLocaleString('en-US')} calls, ${done.failures} failed; job CPU ${fmt((done.cpuMs * 1000) / Math.max(1, done.calls), 2)} µs per call)`,
    );
    console.log(
      `  calls reaching the service:  ${fmt(serviceRate, 2)} calls/s (${serviceCalls} calls; ${refreshes} provider refreshes; ${due} seeded tokens reached expiresAt - ${MARGIN_SECONDS} s since the warm-up began; on average ${fmt(expectedRate, 2)}/s = ${USERS} users / (${TOKEN_SECONDS} - ${MARGIN_SECONDS}) s)`,
    );
    console.log(
      `  service calls per job call:  1 in ${ratio === Infinity ? '∞ (none reached the service)' : fmt(ratio, 0)}   goal: at least 1 in ${GOAL} -> ${ratio >= GOAL ? 'met' : 'MISSED'}`,
    );
    const s = done.stats;
    console.log(
      `  client stats (whole run):    ${s.cacheHits.toLocaleString('en-US')} cache hits, ${s.coalesced} coalesced, ${s.requests} requests, ${s.cacheEntries} cached tokens`,
    );
    if (done.failures > 0) {
      console.error(`FAILED: ${done.failures} job calls failed, first: ${done.firstFailures.join(' | ')}`);
      failed = true;
    }
    if (ratio < GOAL) {
      console.error(`FAILED: 1 service call per ${fmt(ratio, 0)} job calls; the goal is at least 1 in ${GOAL}`);
      failed = true;
    }
  } catch (error) {
    console.error(`token-client bench failed: ${error.stack ?? error.message}`);
    failed = true;
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await app?.close().catch((e) => console.error(`closing the app: ${e.message}`));
    await provider?.close().catch((e) => console.error(`closing the provider: ${e.message}`));
    await db?.drop().catch((e) => console.error(`dropping ${db.name}: ${e.message}`));
    removeDir(dataDir);
  }
  process.exit(failed ? 1 : 0);
}
