// Throughput of POST /social/:platform/internal-token against a floor doing only the essential work.
// Run: npm run bench:internal-token   (BENCH_DATABASE_URL=postgres://... for a real Postgres)
//
// Seeds 10,000 connections with fresh tokens (no refresh), starts the service in this process
// (NODE_ENV=production, LOG_LEVEL=warn, REFRESH_CRON=off, test secrets) and the floor
// (bench/floor-server.mjs, a bare node:http server in its own process: verify the service JWT, one
// indexed query through a `pg` Pool of the same size, one decrypt). autocannon runs in a third
// process (this file with the argument "load"): 50 connections, random users, BENCH_DURATION seconds
// (default 20) after BENCH_WARMUP seconds (default 3) of warm-up; service first, then floor, never
// both at once. Then a CPU profile of each under the same load for BENCH_PROFILE_SECONDS (default 5),
// summarised by self time and by owning package. Figures and findings: bench/README.md.
// Exits 1 on any error or non-2xx answer, or when the audit lost records.
// On a shared machine compare the "CPU/req" column too: other processes disturb it much less than req/s.
if (process.argv[2] === 'load') {
  // The load generator, in its own process (so it never shares a thread or a CPU count with a server).
  const { default: autocannon } = await import('autocannon');
  process.once('message', async ({ url, platform, token, users, connections, duration }) => {
    const result = await autocannon({
      url,
      connections,
      duration,
      timeout: 10,
      requests: [
        {
          method: 'POST',
          path: `/social/${platform}/internal-token`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ userId: `bench-user-${Math.floor(Math.random() * users)}` }) }),
        },
      ],
    });
    const { requests, latency, errors, timeouts, non2xx, mismatches } = result;
    process.send(
      {
        rps: requests.total / result.duration,
        seconds: result.duration,
        total: requests.total,
        ok: result['2xx'],
        p50: latency.p50,
        p90: latency.p90,
        p99: latency.p99,
        max: latency.max,
        errors,
        timeouts,
        non2xx,
        mismatches,
        statusCodes: result.statusCodeStats,
      },
      () => process.exit(0),
    );
  });
} else {
  await main();
}

async function main() {
  process.env.NODE_ENV = 'production'; // libraries read it from the process
  await import('reflect-metadata');
  const { fork } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { loadavg, tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { Session } = await import('node:inspector/promises');
  const { performance } = await import('node:perf_hooks');
  const { fileURLToPath } = await import('node:url');
  const { signJwt } = await import('@ttoss/auth-core');
  const { default: pg } = await import('pg');
  const { DataSource } = await import('typeorm');
  const { createApp, listen } = await import('../dist/src/app.factory.js');
  const { AppLogger } = await import('../dist/src/common/app-logger.js');
  const { loadStartupConfig } = await import('../dist/src/startup-config.js');
  const { KeyRing } = await import('../dist/src/crypto/key-ring.js');
  const { Secret } = await import('../dist/src/crypto/secret.js');
  const { Connection } = await import('../dist/src/connections/connection.entity.js');
  const { ConnectionRepository } = await import('../dist/src/connections/connection.repository.js');
  const { DatabaseService } = await import('../dist/src/database/database.service.js');
  const { TokenAuditService } = await import('../dist/src/internal/token-audit.service.js');
  const { KEY, PLATFORM, SERVICE_SECRET, appEnv, createPostgresDb, removeDir, tempDir } = await import('./lib.mjs');

  const N = Number(process.env.BENCH_CONNECTIONS ?? 10_000);
  const DURATION = Number(process.env.BENCH_DURATION ?? 20);
  const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
  const PROFILE_SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 5);
  const CONNECTIONS = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 50);
  const POOL = Number(process.env.DB_POOL_SIZE ?? 10); // the service's default
  const SEED_BATCH = 1000;

  // Nothing here may run forever.
  const watchdog = setTimeout(() => {
    console.error('internal-token: watchdog fired after 10 minutes; exiting');
    process.exit(2);
  }, 10 * 60_000);
  watchdog.unref();

  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const ms = (v) => `${Number(v).toFixed(v < 10 ? 2 : 1)} ms`;
  const serviceToken = () => signJwt({ payload: { sub: 'bench-job', aud: 'internal' }, secret: SERVICE_SECRET, expiresInSeconds: 900 });

  const loaders = new Set();
  process.on('exit', () => loaders.forEach((c) => c.kill('SIGKILL')));
  function runLoad(url, seconds) {
    return new Promise((resolve, reject) => {
      const child = fork(fileURLToPath(import.meta.url), ['load'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      loaders.add(child);
      const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
      child.once('message', resolve);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        loaders.delete(child);
        reject(new Error(`load generator exited (${code ?? signal}) without a result`)); // no-op once resolved
      });
      child.send({ url, platform: PLATFORM, token: serviceToken(), users: N, connections: CONNECTIONS, duration: seconds });
    });
  }

  const eluDelta = (a, b) => (b.active - a.active) / (b.active + b.idle - (a.active + a.idle));

  let app, db, dataDir, floor;
  let failed;
  try {
    console.log(`machine: ${(await import('node:os')).cpus().length} cores, load average ${load()} (1/5/15 min) at start`);
    const adminUrl = process.env.BENCH_DATABASE_URL;
    if (adminUrl) {
      db = await createPostgresDb(adminUrl, 'oc_bench_it');
      console.log(`database: Postgres, fresh database ${db.name} on ${new URL(adminUrl).host} (dropped afterwards)`);
    } else {
      console.log("database: embedded PGlite (the app's default without DATABASE_URL, served from this process).");
      console.log("  NOTE: PGlite runs one query at a time on the service's own thread, also for the floor's queries, so the service's CPU");
      console.log('  figures include the database work of both: for development only. Set BENCH_DATABASE_URL for a real Postgres.');
    }
    dataDir = tempDir('oc-bench-it-');
    // Production refuses the embedded database: on it the service's own rules are test's (the process still runs as production).
    const env = appEnv({
      dataDir,
      providerUrl: 'https://provider.bench.invalid',
      databaseUrl: db?.url,
      extra: { NODE_ENV: db ? 'production' : 'test', DB_POOL_SIZE: String(POOL), LOG_LEVEL: 'warn', REFRESH_CRON: 'off' },
    });
    const config = loadStartupConfig(env);
    app = await createApp(config, { logger: new AppLogger(config.logLevel, 'json', (line) => process.stderr.write(`${line}\n`)) });
    await listen(app, config, 0, '127.0.0.1');
    const serviceUrl = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    const dataSource = app.get(DataSource);
    const ring = app.get(KeyRing);

    // Seed: fresh tokens (expire in 10 days, far outside the 2 h refresh window), encrypted with the app's key ring.
    const seedStart = Date.now();
    for (let from = 0; from < N; from += SEED_BATCH) {
      const users = [];
      const access = [];
      const refresh = [];
      for (let i = from; i < Math.min(N, from + SEED_BATCH); i++) {
        users.push(`bench-user-${i}`);
        access.push(ring.encrypt(`at-${i}-${'x'.repeat(120)}`));
        refresh.push(ring.encrypt(`rt-${i}`));
      }
      await dataSource.query(
        `INSERT INTO connections (user_id, platform, account_id, username, access_token, refresh_token, access_token_expires_at, access_token_issued_at, last_refreshed_at, scopes)
         SELECT u, $4, 'acct-' || u, 'name-' || u, a, r, now() + interval '10 days', now(), now(), '{read,write}'
         FROM unnest($1::text[], $2::text[], $3::text[]) AS t(u, a, r)`,
        [users, access, refresh, PLATFORM],
      );
    }
    await dataSource.query('ANALYZE connections');
    console.log(`seeded ${N} connections with fresh tokens in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

    // The floor, in its own process, on the same database with a pool of the same size.
    const embedded = !db;
    const floorDbUrl = embedded ? await app.get(DatabaseService).url() : db.url;
    // The embedded server accepts DB_POOL_SIZE + 5 connections and the service holds up to DB_POOL_SIZE.
    const floorPool = embedded ? Math.min(POOL, 5) : POOL;
    const child = fork(fileURLToPath(new URL('./floor-server.mjs', import.meta.url)), [], {
      env: {
        ...process.env,
        FLOOR_DATABASE_URL: floorDbUrl,
        FLOOR_POOL_SIZE: String(floorPool),
        FLOOR_SERVICE_SECRET: SERVICE_SECRET,
        FLOOR_KEYS: `k1:${KEY}`,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    process.on('exit', () => child.kill('SIGKILL'));
    const { port: floorPort } = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`floor server exited (${code}) before it was ready`)));
    });
    floor = {
      child,
      url: `http://127.0.0.1:${floorPort}`,
      ask: (message) =>
        new Promise((resolve) => {
          child.once('message', resolve);
          child.send(message);
        }),
      close: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.disconnect();
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        await exited;
      },
    };
    console.log(
      `settings: service NODE_ENV=production LOG_LEVEL=warn REFRESH_CRON=off DB_POOL_SIZE=${POOL}; floor pg Pool max ${floorPool}; autocannon ${CONNECTIONS} connections, random users of ${N}, ${WARMUP} s warm-up + ${DURATION} s each, sequential`,
    );

    // Both answer the same thing for the same user.
    const post = async (base, userId) => {
      const res = await fetch(`${base}/social/${PLATFORM}/internal-token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${serviceToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userId }),
      });
      return { status: res.status, body: await res.json() };
    };
    for (const userId of ['bench-user-0', `bench-user-${N - 1}`]) {
      const [s, f] = [await post(serviceUrl, userId), await post(floor.url, userId)];
      if (s.status !== 200 || JSON.stringify(s.body) !== JSON.stringify(f.body))
        throw new Error(`service and floor disagree for ${userId}: ${JSON.stringify({ service: s, floor: f })}`);
    }

    // The hot path's lookup returns exactly what TypeORM's findOneBy returns (same class, fields, types, secrets).
    const plain = (c) =>
      c &&
      Object.fromEntries(
        Object.entries(c).map(([k, v]) => [k, v instanceof Secret ? `secret:${v.reveal()}` : v instanceof Date ? `date:${v.toISOString()}` : v]),
      );
    for (const userId of ['bench-user-1', `bench-user-${N >> 1}`, 'nobody']) {
      const [hot, orm] = [
        (await app.get(ConnectionRepository).findForUser(userId, PLATFORM))[0] ?? null,
        await dataSource.getRepository(Connection).findOneBy({ userId, platform: PLATFORM }),
      ];
      if (JSON.stringify(plain(hot)) !== JSON.stringify(plain(orm)) || (hot && !(hot instanceof Connection))) {
        throw new Error(`findForUser differs from findOneBy for ${userId}: ${JSON.stringify({ hot: plain(hot), orm: plain(orm) })}`);
      }
    }

    // Statements the service sends per call (sequential probe; the audit batches its inserts).
    const counts = { connections: 0, audit: 0, other: 0 };
    const pgQuery = pg.Client.prototype.query;
    pg.Client.prototype.query = function (config, ...rest) {
      const text = typeof config === 'string' ? config : (config?.text ?? '');
      if (/FROM "?connections"?/i.test(text) && /^\s*SELECT/i.test(text)) counts.connections++;
      else if (/token_access_audit/.test(text)) counts.audit++;
      else counts.other++;
      return pgQuery.call(this, config, ...rest);
    };
    const PROBE = 200;
    for (let i = 0; i < PROBE; i++) await post(serviceUrl, `bench-user-${i}`);
    await app.get(TokenAuditService).flush();
    pg.Client.prototype.query = pgQuery;
    let audited = PROBE + 4; // the probe and the agreement check above
    console.log(
      `statements per call (service, ${PROBE} sequential calls): ${(counts.connections / PROBE).toFixed(2)} SELECT on connections, ${(counts.other / PROBE).toFixed(2)} other; audit: ${counts.audit} batched INSERT for ${PROBE} calls`,
    );

    const results = {};
    for (const [name, url] of [
      ['service', serviceUrl],
      ['floor', floor.url],
    ]) {
      if (WARMUP > 0) {
        const w = await runLoad(url, WARMUP);
        if (name === 'service') audited += w.ok;
      }
      const loadBefore = load();
      const before = name === 'service' ? { elu: performance.eventLoopUtilization(), cpu: process.cpuUsage() } : await floor.ask({ usage: true });
      const r = await runLoad(url, DURATION);
      const after = name === 'service' ? { elu: performance.eventLoopUtilization(), cpu: process.cpuUsage() } : await floor.ask({ usage: true });
      r.elu = eluDelta(before.elu, after.elu);
      // Whole server process: its thread, GC helpers and libuv threads (not the load generator).
      r.cpuMsPerRequest = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000 / r.total;
      r.cpuCores = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6 / r.seconds;
      r.load = `${loadBefore} -> ${load()}`;
      if (name === 'service') audited += r.ok;
      results[name] = r;
    }

    // Profile of the service under the same load (separate run, so profiling never slows the measured one).
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    const profiled = await runLoad(serviceUrl, PROFILE_SECONDS);
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    audited += profiled.ok;
    const profilePath = join(process.env.BENCH_PROFILE_DIR ?? tmpdir(), `oc-internal-token-service-${Date.now()}.cpuprofile`);
    writeFileSync(profilePath, JSON.stringify(profile));
    await floor.ask({ profile: 'start' });
    const floorProfiled = await runLoad(floor.url, PROFILE_SECONDS);
    const { profile: floorProfile } = await floor.ask({ profile: 'stop' });
    const floorProfilePath = profilePath.replace('-service-', '-floor-');
    writeFileSync(floorProfilePath, JSON.stringify(floorProfile));

    // Every successful call is audited (autocannon stops counting answers still in flight when it ends).
    await app.get(TokenAuditService).flush();
    const [{ n: auditRows }] = await dataSource.query('SELECT count(*)::int AS n FROM token_access_audit');

    console.log('');
    console.log(
      `${'target'.padEnd(8)} ${'req/s'.padStart(8)} ${'p50'.padStart(9)} ${'p90'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)} ${'requests'.padStart(9)} ${'non-2xx'.padStart(8)} ${'errors'.padStart(7)} ${'timeouts'.padStart(8)} ${'ELU'.padStart(5)} ${'CPU/req'.padStart(8)} ${'cores'.padStart(5)}  load average before -> after`,
    );
    for (const [name, r] of Object.entries(results)) {
      console.log(
        `${name.padEnd(8)} ${r.rps.toFixed(0).padStart(8)} ${ms(r.p50).padStart(9)} ${ms(r.p90).padStart(9)} ${ms(r.p99).padStart(9)} ${ms(r.max).padStart(9)} ${String(r.total).padStart(9)} ${String(r.non2xx).padStart(8)} ${String(r.errors).padStart(7)} ${String(r.timeouts).padStart(8)} ${`${(r.elu * 100).toFixed(0)}%`.padStart(5)} ${ms(r.cpuMsPerRequest).padStart(8)} ${r.cpuCores.toFixed(2).padStart(5)}  ${r.load}`,
      );
    }
    const ratio = results.service.rps / results.floor.rps;
    console.log(
      `ratio service/floor: ${ratio.toFixed(2)} by req/s; ${(results.floor.cpuMsPerRequest / results.service.cpuMsPerRequest).toFixed(2)} by CPU per request (floor/service; goal >= 0.6, issue 12)`,
    );
    console.log("ELU: event-loop utilization of the server's thread in the measured run (100% = its one thread is saturated).");
    console.log('CPU/req, cores: CPU time of the whole server process (all its threads) per answered request, and in cores.');
    console.log(`audit rows: ${auditRows} for ${audited} successful calls counted (may exceed by the answers in flight when each load stopped; never fewer)`);
    console.log('');
    summariseProfile('the service', profile, profilePath, profiled, 15);
    console.log('');
    summariseProfile('the floor', floorProfile, floorProfilePath, floorProfiled, 8);

    const problems = [];
    for (const [name, r] of Object.entries(results))
      if (r.errors + r.non2xx + r.timeouts > 0)
        problems.push(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts (${JSON.stringify(r.statusCodes)})`);
    if (auditRows < audited) problems.push(`audit lost records: ${auditRows} rows for ${audited} successful calls`);
    failed = problems.length > 0;
    console.log(failed ? `\nFAIL: ${problems.join('; ')}` : `\nOK${ratio < 0.5 ? ' (no errors, but the ratio is below the 0.5 goal)' : ''}`);
    console.log(`load average at the end: ${load()}`);
  } catch (error) {
    failed = true;
    console.error(`internal-token failed: ${error?.stack ?? error}`);
  } finally {
    await floor?.close().catch((e) => console.error(`closing the floor: ${e.message}`));
    await app?.close().catch((e) => console.error(`closing the app: ${e.message}`));
    await db?.drop().catch((e) => console.error(`dropping ${db.name}: ${e.message}`));
    removeDir(dataDir);
  }
  process.exit(failed ? 1 : 0);

  /**
   * Top functions by self time (function + file), then all time by owner: each sample is charged to
   * the nearest package on its stack, so Node's own http/net/stream code and V8 builtins count for
   * whoever called them; the socket write syscalls are counted apart.
   */
  function summariseProfile(label, profile, path, run, topN) {
    const { nodes, samples, timeDeltas } = profile;
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const cwd = `file://${process.cwd()}/`;
    const file = (url) => {
      const u = url.startsWith(cwd) ? url.slice(cwd.length) : url;
      const nm = u.lastIndexOf('node_modules/');
      return nm >= 0 ? u.slice(nm + 'node_modules/'.length) : u;
    };
    const owner = (url) => {
      if (!url || url.startsWith('node:')) return undefined;
      const nm = url.lastIndexOf('node_modules/');
      if (nm >= 0) return /^((?:@[^/]+\/)?[^/]+)/.exec(url.slice(nm + 'node_modules/'.length))[1];
      return url.includes('/dist/src/') ? `app: ${url.split('/dist/src/')[1]}` : file(url);
    };
    const SPECIAL = new Set(['(idle)', '(garbage collector)', '(program)', '(root)']);
    // The socket write syscalls (HTTP answers, queries) are their own owner: their time is wall time,
    // which on a busy machine includes being descheduled inside the syscall.
    const SYSCALLS = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String']);
    const self = new Map();
    const owners = new Map();
    let total = 0;
    for (let i = 0; i < samples.length; i++) {
      const dt = timeDeltas[i + 1] ?? 0; // the time until the next sample
      const node = byId.get(samples[i]);
      const { functionName, url, lineNumber } = node.callFrame;
      const key = SPECIAL.has(functionName) ? functionName : `${functionName || `(anonymous:${lineNumber + 1})`}  ${url ? file(url) : '(native)'}`;
      self.set(key, (self.get(key) ?? 0) + dt);
      let who = SPECIAL.has(functionName) ? functionName : SYSCALLS.has(functionName) && !url ? 'socket writes (syscalls)' : undefined;
      for (let id = node.id; who === undefined && id !== undefined; id = parent.get(id)) who = owner(byId.get(id).callFrame.url);
      who ??= 'node core (no package on the stack: http parser, sockets, timers)';
      owners.set(who, (owners.get(who) ?? 0) + dt);
      total += dt;
    }
    const idle = self.get('(idle)') ?? 0;
    const busy = total - idle;
    const pct = (us) => `${((100 * us) / busy).toFixed(1)}%`.padStart(6);
    const list = (map, n) =>
      [...map]
        .filter(([k]) => k !== '(idle)')
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .forEach(([k, us]) => console.log(`  ${pct(us)} ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`));
    console.log(
      `CPU profile of ${label} (its main thread) under the same load: ${(total / 1e6).toFixed(1)} s sampled every 0.5 ms at ${run.rps.toFixed(0)} req/s, idle ${((100 * idle) / total).toFixed(1)}%; ${path}`,
    );
    console.log(`  top ${topN} functions by self time (percent of busy time):`);
    list(self, topN);
    console.log('  busy time by owner (nearest package on the stack):');
    list(owners, topN);
  }
}
