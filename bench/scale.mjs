// The cost of the admin reads, /metrics, the scheduler's claim and retention as the tables grow:
// seeds 100,000 and then 1,000,000 connections (8 platforms, token expiries spread over 60 days)
// with bulk SQL, plus proportionate audit, refresh log, failure, outbox and state rows, and prints
// each figure next to its goal and the 100,000-row figure.
// Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:scale
// Settings: BENCH_SIZES=100000,1000000 (connections per round), BENCH_RUNS=15 (requests per figure),
// BENCH_EXPLAIN=1 (also print the plan shape of every admin read), BENCH_REUSE=<database name> (one
// round on that database, seeded only when empty, kept afterwards, without the destructive parts:
// partitions and retention; to iterate on queries without reseeding), BENCH_ONLY=claim (the seed, the
// next_refresh_at backfill and the scheduler's claim only).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { createApp, listen } from '../dist/src/app.factory.js';
import { AdminApiKeyService } from '../dist/src/auth/admin-api-key.service.js';
import { AdminSessionService } from '../dist/src/auth/admin-session.service.js';
import { AppLogger } from '../dist/src/common/app-logger.js';
import { ConnectionAdminQueryRepository } from '../dist/src/connections/connection-admin-query.repository.js';
import { ConnectionCountsService } from '../dist/src/connections/connection-counts.service.js';
import { ConnectionLeaseRepository } from '../dist/src/connections/connection-lease.repository.js';
import { OAuthStateRepository } from '../dist/src/connections/oauth-state.repository.js';
import { DEFAULT_REFRESH_DUE_SETTINGS, nextRefreshAtSql, nextRefreshBackfillSql, refreshDueSql } from '../dist/src/connections/refresh-due.js';
import { KeyRing } from '../dist/src/crypto/key-ring.js';
import { KeyUsageService } from '../dist/src/crypto/key-usage.service.js';
import { TokenAccessAuditRepository } from '../dist/src/internal/token-access-audit.repository.js';
import { RetentionService } from '../dist/src/jobs/retention.service.js';
import { MetricsService } from '../dist/src/metrics/metrics.service.js';
import { loadStartupConfig } from '../dist/src/startup-config.js';
import { RefreshHistoryQueryRepository } from '../dist/src/tokens/refresh-history-query.repository.js';
import { RefreshHistoryRepository } from '../dist/src/tokens/refresh-history.repository.js';
import { WebhookOutboxRepository } from '../dist/src/webhooks/webhook-outbox.repository.js';
import { appEnv, createPostgresDb, percentile, removeDir, tempDir } from './lib.mjs';

const SIZES = (process.env.BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const EXPLAIN = process.env.BENCH_EXPLAIN === '1';
const REUSE = process.env.BENCH_REUSE;
const CLAIM_ONLY = process.env.BENCH_ONLY === 'claim';
const PLATFORMS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
const SERVICES = ['publisher', 'analytics', 'inbox', 'scheduler', 'reports'];
const DAY_MS = 86_400_000;

if (!process.env.BENCH_DATABASE_URL) {
  console.log('bench:scale skipped: set BENCH_DATABASE_URL to a Postgres server (a fresh database is created there and dropped afterwards).');
  console.log('  The embedded PGlite runs inside the app process and serves one query at a time; seeding a million rows into it');
  console.log('  takes long and its timings say nothing about Postgres, whose plans (parallel scans, buffers, index-only scans) are what this measures.');
  process.exit(0);
}

// Nothing here may run forever.
setTimeout(() => {
  console.error('bench:scale: watchdog fired after 90 minutes; exiting');
  process.exit(2);
}, 90 * 60_000).unref();

const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;
const fmt = (ms) => (ms === undefined ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
const int = (n) => Math.round(n).toLocaleString('en-US');

/** figures[name] = { goal, values: { [size]: text } }, printed side by side at the end. */
const figures = new Map();
function record(name, goal, size, value) {
  if (!figures.has(name)) figures.set(name, { goal, values: {} });
  figures.get(name).values[size] = value;
}

/** Walks an EXPLAIN (FORMAT JSON) plan: node types with their index names, outermost first. */
function planShape(node, out = []) {
  out.push(`${node['Node Type']}${node['Index Name'] ? ` ${node['Index Name']}` : node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}`);
  for (const child of node.Plans ?? []) planShape(child, out);
  return out;
}

async function explain(client, sql, params, { analyze = true, rollback = false } = {}) {
  if (rollback) await client.query('BEGIN');
  try {
    const { rows } = await client.query(`EXPLAIN (${analyze ? 'ANALYZE, BUFFERS, ' : ''}FORMAT JSON) ${sql}`, params);
    const top = rows[0]['QUERY PLAN'][0];
    const plan = top.Plan;
    return { ms: top['Execution Time'], hit: plan['Shared Hit Blocks'] ?? 0, read: plan['Shared Read Blocks'] ?? 0, shape: planShape(plan).join(' > ') };
  } finally {
    if (rollback) await client.query('ROLLBACK');
  }
}

/** The SQL and parameters `call` sends through `dataSource.query` (first statement), without running it. */
async function capture(dataSource, call) {
  const original = dataSource.query;
  let captured;
  dataSource.query = async (sql, params) => {
    captured ??= { sql, params };
    throw new Error('captured');
  };
  try {
    await call().catch(() => undefined);
  } finally {
    dataSource.query = original;
  }
  return captured;
}

async function seed(client, n, ring) {
  const at = ring.encrypt('bench-access-token-'.padEnd(180, 'x'));
  const rt = ring.encrypt('bench-refresh-token-'.padEnd(120, 'y'));
  const chunk = 100_000;
  const t0 = Date.now();
  for (let lo = 1; lo <= n; lo += chunk) {
    const hi = Math.min(n, lo + chunk - 1);
    // Deterministic spreads (g times an irrational, mod 1): access expiry from 2 days ago to 58 days
    // ahead, last refresh within 20 days (nobody idle), half the platforms with a year-long refresh
    // token (not past half-life); 3 % need reauth, 2 % failing (half of them in backoff).
    await client.query(
      `INSERT INTO connections (user_id, platform, account_id, username, status, scopes, access_token, refresh_token,
         access_token_expires_at, refresh_token_expires_at, access_token_issued_at, last_refreshed_at,
         consecutive_failures, next_retry_at, last_refresh_error, connected_at)
       SELECT 'user-' || lpad(g::text, 8, '0'), ($3::text[])[1 + g % 8], (100000000 + (g::bigint * 7919) % 900000000)::text,
         'creator_' || substr(md5(g::text), 1, 10), CASE WHEN g % 33 = 0 THEN 'needs_reauth' ELSE 'active' END, '{read,write}', $4, $5,
         now() - interval '2 days' + ((g * 0.6180339887) % 1) * interval '60 days',
         CASE WHEN g % 8 < 4 THEN now() + interval '300 days' + ((g * 0.7071) % 1) * interval '60 days' END,
         now() - ((g * 0.4142135) % 1) * interval '20 days', now() - ((g * 0.4142135) % 1) * interval '20 days',
         CASE WHEN g % 50 = 1 THEN 1 + g % 4 ELSE 0 END, CASE WHEN g % 100 = 1 THEN now() + interval '1 hour' END,
         CASE WHEN g % 50 = 1 THEN 'transient' END, now() - interval '21 days' - ((g * 0.5772156) % 1) * interval '400 days'
       FROM generate_series($1::int, $2::int) g`,
      [lo, hi, PLATFORMS, at, rt],
    );
  }
  const tConnections = Date.now() - t0;
  // The insert trigger wrote next_refresh_at; what the migration's backfill of an existing table costs:
  // its batches of 10,000 (keyset by id), and one UPDATE of every row, for comparison.
  let t = Date.now();
  let batches = 0;
  for (let after = '00000000-0000-0000-0000-000000000000'; ; batches++) {
    const { rows } = await client.query(nextRefreshBackfillSql(DEFAULT_REFRESH_DUE_SETTINGS), [after, 10_000]);
    if (rows[0].n === 0) break;
    after = rows[0].last;
  }
  const tBackfill = Date.now() - t;
  await client.query('VACUUM connections');
  t = Date.now();
  await client.query(`UPDATE connections c SET next_refresh_at = ${nextRefreshAtSql(DEFAULT_REFRESH_DUE_SETTINGS, 'c')}`);
  const tBackfillOne = Date.now() - t;
  console.log(`next_refresh_at backfill: ${batches} batches of 10,000 in ${sec(tBackfill)}; one UPDATE in ${sec(tBackfillOne)}`);
  if (CLAIM_ONLY) {
    await client.query('VACUUM (ANALYZE)');
    return { tConnections, tBackfill, tBackfillOne, tAll: Date.now() - t0 };
  }
  // Per connection: 3 token reads over 120 days (a quarter past AUDIT_RETENTION), 1 refresh attempt
  // over 40 days (a quarter past REFRESH_LOG_RETENTION), 0.05 failures over 120 days, 0.1 delivered
  // webhooks over 14 days (half past WEBHOOK_RETENTION), 0.01 states expired over 3 days.
  for (let lo = 1; lo <= 3 * n; lo += 500_000) {
    await client.query(
      `INSERT INTO token_access_audit (service, user_id, platform, accessed_at)
       SELECT ($3::text[])[1 + g % 5], 'user-' || lpad((1 + (g::bigint * 7) % $4)::text, 8, '0'), ($5::text[])[1 + g % 8], now() - ((g * 0.3183098861) % 1) * interval '120 days'
       FROM generate_series($1::int, $2::int) g`,
      [lo, Math.min(3 * n, lo + 499_999), SERVICES, n, PLATFORMS],
    );
  }
  await client.query(
    `INSERT INTO refresh_log (platform, occurred_at, trigger, outcome, duration_ms)
     SELECT ($2::text[])[1 + g % 8], now() - ((g * 0.2360679) % 1) * interval '40 days', CASE WHEN g % 20 = 0 THEN 'lazy' ELSE 'scheduled' END,
       CASE WHEN g % 20 = 7 THEN 'failure' ELSE 'success' END, 100 + g % 400
     FROM generate_series(1, $1::int) g`,
    [n, PLATFORMS],
  );
  await client.query(
    `INSERT INTO refresh_failures (platform, user_id, occurred_at, trigger, failure_class, provider_code, http_status, message)
     SELECT ($2::text[])[1 + g % 8], 'user-' || lpad((1 + (g::bigint * 13) % $3)::text, 8, '0'), now() - ((g * 0.1415926) % 1) * interval '120 days', 'scheduled',
       CASE WHEN g % 100 < 60 THEN 'transient' WHEN g % 100 < 80 THEN 'rate_limited' WHEN g % 100 < 95 THEN 'invalid_grant' WHEN g % 100 < 99 THEN 'provider_error' ELSE 'invalid_client' END,
       'server_error', 503, 'Provider answered 503'
     FROM generate_series(1, $1::int) g`,
    [Math.round(n * 0.05), PLATFORMS, n],
  );
  await client.query(
    `INSERT INTO webhook_outbox (event_type, payload, connection_id, seq, created_at, attempts, delivered_at)
     SELECT 'connection.refreshed', '{"connectionId":"x"}', gen_random_uuid(), 1, t, 1, t + interval '1 second'
     FROM (SELECT now() - ((g * 0.7320508) % 1) * interval '14 days' AS t FROM generate_series(1, $1::int) g) s`,
    [Math.round(n * 0.1)],
  );
  await client.query(
    `INSERT INTO oauth_states (state_hash, user_id, platform, redirect_uri, expires_at)
     SELECT md5(g::text) || md5((g + 1)::text), 'user-' || lpad(g::text, 8, '0'), ($2::text[])[1 + g % 8], 'https://app.example.com/cb', now() - ((g * 0.6931) % 1) * interval '3 days'
     FROM generate_series(1, $1::int) g`,
    [Math.round(n * 0.01), PLATFORMS],
  );
  await client.query('VACUUM (ANALYZE)');
  return { tConnections, tBackfill, tBackfillOne, tAll: Date.now() - t0 };
}

/** An existing database on BENCH_DATABASE_URL's server (BENCH_REUSE), never dropped. */
function reuseDb(name) {
  const url = new URL(process.env.BENCH_DATABASE_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: async () => undefined };
}

/** p50 of `runs` sequential GETs after two warm-ups (fewer runs when one takes over a second). */
async function timeGet(url, path, auth) {
  const once = async () => {
    const t = performance.now();
    const res = await fetch(`${url}${path}`, { headers: { authorization: auth } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${body.slice(0, 200)}`);
    return { ms: performance.now() - t, body };
  };
  const first = await once();
  await once();
  const runs = first.ms > 1000 ? 5 : RUNS;
  const times = [];
  for (let i = 0; i < runs; i++) times.push((await once()).ms);
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p90: percentile(times, 90), body: first.body };
}

async function round(n) {
  const db = REUSE ? reuseDb(REUSE) : await createPostgresDb(process.env.BENCH_DATABASE_URL, 'oc_bench_scale');
  const dataDir = tempDir('oc-bench-scale-');
  let app;
  const client = new pg.Client({ connectionString: db.url });
  try {
    await client.connect();
    const providersFile = join(dataDir, 'scale-providers.json');
    writeFileSync(
      providersFile,
      JSON.stringify(
        Object.fromEntries(
          PLATFORMS.map((p) => [
            p,
            { authorizationUrl: 'http://127.0.0.1:9/authorize', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'bench', clientSecret: 'bench-secret' },
          ]),
        ),
      ),
    );
    const env = appEnv({ dataDir, providerUrl: 'http://127.0.0.1:9', databaseUrl: db.url, extra: { PROVIDERS_FILE: providersFile } });
    const config = loadStartupConfig(env);
    app = await createApp(config, { logger: new AppLogger(config.logLevel, 'json', (line) => process.stderr.write(`${line}\n`)) });
    await listen(app, config, 0, '127.0.0.1');
    const url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    const dataSource = app.get(DataSource);
    const admin = await app.get(AdminSessionService).createAdmin(`bench-${Date.now()}@localhost`, 'bench-password-0123');
    const auth = `Bearer ${(await app.get(AdminApiKeyService).issue(admin.id)).key}`;

    console.log(`\n== ${int(n)} connections (database ${db.name}) ==`);
    const existing = Number((await client.query('SELECT count(*) AS n FROM connections')).rows[0].n);
    let seeded = { tAll: 0 };
    if (existing === 0) {
      seeded = await seed(client, n, app.get(KeyRing));
      record('seed: connections (bulk INSERT ... SELECT generate_series)', 'info', n, sec(seeded.tConnections));
      record('seed: everything, with VACUUM ANALYZE', 'info', n, sec(seeded.tAll));
      record('migration backfill of next_refresh_at: batches of 10,000', 'info', n, sec(seeded.tBackfill));
      record('backfill of next_refresh_at: one UPDATE', 'info', n, sec(seeded.tBackfillOne));
    } else {
      console.log(`reusing ${db.name}: ${int(existing)} connections already there`);
      await client.query('VACUUM (ANALYZE)');
    }
    const sizes = (
      await client.query(
        `SELECT relname, n_live_tup::bigint AS n, pg_total_relation_size(relid) AS bytes FROM pg_stat_user_tables WHERE relname IN ('connections', 'token_access_audit', 'refresh_log', 'refresh_failures', 'webhook_outbox', 'oauth_states') ORDER BY relname`,
      )
    ).rows;
    console.log(
      `seeded in ${sec(seeded.tAll)}: ${sizes.map((r) => `${r.relname} ${int(Number(r.n))} rows (${(Number(r.bytes) / 1048576).toFixed(0)} MB)`).join(', ')}`,
    );
    // The counts the summary and /metrics serve, computed in the background (one instance, at most every 30 s / 10 min): their cost, off any request.
    if (!CLAIM_ONLY) {
      const timed = async (call) => {
        const t = performance.now();
        await call();
        return performance.now() - t;
      };
      const countsMs = await timed(() => app.get(ConnectionCountsService).refresh({ force: true }));
      const keysMs = await timed(() => app.get(KeyUsageService).refresh({ force: true }));
      const outboxMs = await timed(() => app.get(MetricsService).refreshGauges());
      record('background: connection counts (every 30 s, one instance)', 'off requests', n, fmt(countsMs));
      record('background: values per key id (every 10 min, and keys:rotate)', 'off requests', n, fmt(keysMs));
      record('background: webhook outbox depth (every 30 s)', 'off requests', n, fmt(outboxMs));
      console.log(`background counts: connections ${fmt(countsMs)}, values per key id ${fmt(keysMs)}, outbox depth ${fmt(outboxMs)}`);

      // Admin reads and /metrics, as an admin calls them.
      const firstPage = JSON.parse((await timeGet(url, '/admin/api/connections?limit=50', auth)).body);
      const someUser = `user-${String(Math.round(n / 8) + 45).padStart(8, '0')}`;
      const nameFragment = (await client.query(`SELECT substr(username, 11, 6) AS f FROM connections WHERE user_id = $1`, [someUser])).rows[0].f;
      const conns = app.get(ConnectionAdminQueryRepository);
      const history = app.get(RefreshHistoryQueryRepository);
      const audits = app.get(TokenAccessAuditRepository);
      const list = (q) => () => conns.list({ limit: 50, ...q });
      const failures = (q) => () => history.listFailures({ limit: 50, ...q });
      const audit = (q) => () => audits.list({ limit: 50, ...q });
      const oneDay = { from: new Date(Date.now() - 31 * DAY_MS).toISOString(), to: new Date(Date.now() - 30 * DAY_MS).toISOString() };
      // [figure, path, the statement behind it (EXPLAIN ANALYZE, BUFFERS)]
      const reads = [
        // The summary's one statement left per request (the counts are the background ones above).
        ['summary', '/admin/api/summary', () => history.hourly()],
        ['connections: default (expiry, asc)', '/admin/api/connections', list({})],
        ['connections: page 2 (cursor)', `/admin/api/connections?cursor=${encodeURIComponent(firstPage.nextCursor)}`, list({ cursor: firstPage.nextCursor })],
        ...['expiry', 'last_refresh', 'failures', 'connected'].flatMap((sort) =>
          ['asc', 'desc'].map((order) => [`connections: sort ${sort} ${order}`, `/admin/api/connections?sort=${sort}&order=${order}`, list({ sort, order })]),
        ),
        ['connections: platform', '/admin/api/connections?platform=charlie', list({ platform: 'charlie' })],
        ...['active', 'expiring', 'failing', 'needs_reauth'].map((status) => [
          `connections: status ${status}`,
          `/admin/api/connections?status=${status}`,
          list({ status }),
        ]),
        [
          'connections: platform + failing, by failures desc',
          '/admin/api/connections?platform=delta&status=failing&sort=failures&order=desc',
          list({ platform: 'delta', status: 'failing', sort: 'failures', order: 'desc' }),
        ],
        ['connections: user id prefix (1 %)', '/admin/api/connections?userId=user-0001', list({ userId: 'user-0001' })],
        ['connections: one user id', `/admin/api/connections?userId=${someUser}`, list({ userId: someUser })],
        ['connections: account substring, 1 row', `/admin/api/connections?account=${nameFragment}`, list({ account: nameFragment })],
        ['connections: account id substring', '/admin/api/connections?account=4567891', list({ account: '4567891' })],
        ['connections: account substring, every row', '/admin/api/connections?account=creator', list({ account: 'creator' })],
        ['connections: account substring, 2 characters', '/admin/api/connections?account=q9', list({ account: 'q9' })],
        [
          'connections: account substring + sort connected desc',
          `/admin/api/connections?account=${nameFragment.slice(0, 4)}&sort=connected&order=desc`,
          list({ account: nameFragment.slice(0, 4), sort: 'connected', order: 'desc' }),
        ],
        ['failures: newest', '/admin/api/refresh-failures', failures({})],
        ['failures: platform', '/admin/api/refresh-failures?platform=echo', failures({ platform: 'echo' })],
        ['failures: rare class', '/admin/api/refresh-failures?failureClass=invalid_client', failures({ failureClass: 'invalid_client' })],
        ['failures: a class with no rows', '/admin/api/refresh-failures?failureClass=undecryptable', failures({ failureClass: 'undecryptable' })],
        ['failures: one day', `/admin/api/refresh-failures?from=${oneDay.from}&to=${oneDay.to}`, failures(oneDay)],
        [
          'failures: one connection',
          '/admin/api/refresh-failures?connectionId=00000000-0000-4000-8000-000000000000',
          failures({ connectionId: '00000000-0000-4000-8000-000000000000' }),
        ],
        ['audit: newest', '/admin/api/audit', audit({})],
        ['audit: service', '/admin/api/audit?service=reports', audit({ service: 'reports' })],
        ['audit: one user', `/admin/api/audit?userId=${someUser}`, audit({ userId: someUser })],
        ['audit: platform', '/admin/api/audit?platform=golf', audit({ platform: 'golf' })],
        ['audit: a service with no rows', '/admin/api/audit?service=nobody', audit({ service: 'nobody' })],
        ['metrics', '/metrics'],
      ];
      for (const [name, path, call] of reads) {
        const { p50, p90 } = await timeGet(url, path, auth);
        record(`${name} p50`, name === 'metrics' ? '≤ 50 ms' : '≤ 100 ms', n, fmt(p50));
        let plan = '';
        if (call) {
          const c = await capture(dataSource, call);
          const e = await explain(client, c.sql, c.params);
          plan = `  statement ${fmt(e.ms).padStart(8)}, ${int(e.hit + e.read).padStart(7)} buffers${EXPLAIN ? `: ${e.shape}` : ''}`;
        }
        console.log(`${name.padEnd(58)} p50 ${fmt(p50).padStart(8)}  p90 ${fmt(p90).padStart(8)}${plan}`);
      }
    }
    // The scheduler's claim: one batch of 20, with EXPLAIN (ANALYZE, BUFFERS), rolled back.
    const leases = app.get(ConnectionLeaseRepository);
    const platforms = PLATFORMS.map((platform) => ({ platform, needsRefreshToken: true, minRefreshAgeMs: 0 }));
    const claim = await capture(dataSource, () => leases.claimDue({ owner: 'bench', limit: 20, platforms }));
    const due = Number((await client.query(`SELECT count(*) AS n FROM connections c WHERE ${refreshDueSql('c')}`)).rows[0].n);
    const claimFigure = (name, e, goal = '≤ 20 ms') => {
      record(`scheduler claim (20 rows), ${name}`, goal, n, `${fmt(e.ms)}, ${int(e.hit + e.read)} buffers`);
      console.log(`scheduler claim, ${name}: ${fmt(e.ms)} (${int(e.hit)} hit + ${int(e.read)} read buffers) ${e.shape}`);
    };
    console.log(`scheduler claim: ${int(due)} rows due (${((100 * due) / n).toFixed(1)} %)`);
    claimFigure('due rows as seeded', await explain(client, claim.sql, claim.params, { rollback: true }));
    // Every due row already leased (the end of a run, or few rows due): a lease moves a row out of
    // the index range. The claim that leased them is committed, as in a run: the first scan after it
    // steps over the dead index entries of the rows' previous versions (and marks them dead), the
    // next ones do not see them. Released afterwards.
    const all = await capture(dataSource, () => leases.claimDue({ owner: 'bench-all', limit: 10 * n, platforms }));
    console.log(`leased every due row in one claim: ${int((await client.query(all.sql, all.params)).rowCount)} rows`);
    claimFigure('every due row leased at once, the first claim after', await explain(client, claim.sql, claim.params, { rollback: true }), 'info');
    claimFigure('every due row leased, the next claims', await explain(client, claim.sql, claim.params, { rollback: true }));
    await client.query(`UPDATE connections SET refresh_lease_owner = NULL, refresh_lease_expires_at = NULL WHERE refresh_lease_owner = 'bench-all'`);
    // Every active row due, as time would make them (no write of the rows since): committed in
    // batches, then vacuumed. Left so: nothing after this reads next_refresh_at.
    for (let after = '00000000-0000-0000-0000-000000000000'; ;) {
      const { rows } = await client.query(
        `WITH b AS (SELECT id FROM connections WHERE id > $1::uuid ORDER BY id LIMIT 10000),
           u AS (UPDATE connections c SET next_refresh_at = now() - random() * interval '1 day' FROM b WHERE c.id = b.id AND c.status = 'active' RETURNING c.id)
         SELECT (SELECT id FROM b ORDER BY id DESC LIMIT 1) AS last`,
        [after],
      );
      if (!rows[0].last) break;
      after = rows[0].last;
    }
    await client.query('VACUUM (ANALYZE) connections');
    claimFigure('every row due', await explain(client, claim.sql, claim.params, { rollback: true }));

    if (REUSE || CLAIM_ONLY) {
      console.log(`${REUSE ? 'BENCH_REUSE' : 'BENCH_ONLY=claim'}: partitions and retention skipped`);
      return;
    }
    await partitions(client, n);

    // Retention: each delete's plan, then one forced pass over every table.
    const day = (d) => d * DAY_MS;
    for (const [table, call] of [
      ['token_access_audit', () => app.get(TokenAccessAuditRepository).deleteOlderThan(day(90), 5000)],
      ['refresh_log', () => app.get(RefreshHistoryRepository).deleteAttemptsOlderThan(day(30), 1000)],
      ['refresh_failures', () => app.get(RefreshHistoryRepository).deleteFailuresOlderThan(day(90), 1000)],
      ['webhook_outbox', () => app.get(WebhookOutboxRepository).deleteDeliveredOlderThan(day(7), 1000)],
      ['oauth_states', () => app.get(OAuthStateRepository).deleteExpired(3_600_000, 1000)],
    ]) {
      const c = await capture(dataSource, call);
      const e = await explain(client, c.sql, c.params, { rollback: true });
      console.log(`retention batch on ${table}: ${fmt(e.ms)}, ${int(e.hit + e.read)} buffers: ${e.shape}`);
      record(`retention: one batch of ${table}`, 'index-served', n, fmt(e.ms));
    }
    const t0 = Date.now();
    const report = await app.get(RetentionService).runAll({ force: true });
    const tRetention = Date.now() - t0;
    console.log(`retention pass: ${JSON.stringify(report)} in ${sec(tRetention)}`);
    record('retention: rows deleted in one pass', 'info', n, int(Object.values(report).reduce((s, v) => s + (typeof v === 'number' ? v : 0), 0)));
    record('retention: whole pass', 'info', n, sec(tRetention));
  } finally {
    await app?.close().catch((e) => console.error(`closing the app: ${e.message}`));
    await client.end().catch(() => undefined);
    await db.drop().catch((e) => console.error(`dropping ${db.name}: ${e.message}`));
    removeDir(dataDir);
  }
}

/**
 * Whether monthly partitions of token_access_audit are worth it: a partitioned copy of the seeded
 * table; dropping its oldest month against deleting the same rows in batches, batch inserts (the
 * app's statement) and the admin's newest-first page on both.
 */
async function partitions(client, n) {
  const { rows: range } = await client.query(
    `SELECT date_trunc('month', min(accessed_at)) AS lo, date_trunc('month', max(accessed_at)) + interval '2 months' AS hi FROM token_access_audit`,
  );
  await client.query(
    `CREATE TABLE audit_part (id bigint NOT NULL, service varchar(255) NOT NULL, user_id varchar(255) NOT NULL, platform varchar(64) NOT NULL, accessed_at timestamptz NOT NULL, PRIMARY KEY (id, accessed_at)) PARTITION BY RANGE (accessed_at)`,
  );
  const months = [];
  for (let m = new Date(range[0].lo); m < new Date(range[0].hi); m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1))) {
    const next = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1));
    const name = `audit_part_${m.getUTCFullYear()}${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
    await client.query(`CREATE TABLE ${name} PARTITION OF audit_part FOR VALUES FROM ('${m.toISOString()}') TO ('${next.toISOString()}')`);
    months.push({ name, from: m, to: next });
  }
  const indexes = (await client.query(`SELECT indexdef FROM pg_indexes WHERE tablename = 'token_access_audit' AND indexname <> 'token_access_audit_pkey'`))
    .rows;
  for (const { indexdef } of indexes) await client.query(indexdef.replace(/INDEX (\w+) ON public\.token_access_audit/, 'INDEX $1_part ON public.audit_part'));
  await client.query('INSERT INTO audit_part SELECT id, service, user_id, platform, accessed_at FROM token_access_audit');
  await client.query('VACUUM (ANALYZE) audit_part');

  // Dropping the oldest month, against deleting its rows from the plain table in batches of 5000.
  const oldest = months[0];
  const rows = Number((await client.query(`SELECT count(*) AS n FROM ${oldest.name}`)).rows[0].n);
  let t = performance.now();
  await client.query(`ALTER TABLE audit_part DETACH PARTITION ${oldest.name}`);
  await client.query(`DROP TABLE ${oldest.name}`);
  const tDrop = performance.now() - t;
  t = performance.now();
  let deleted = 0;
  for (;;) {
    const r = await client.query(
      `DELETE FROM token_access_audit WHERE id = ANY(ARRAY(SELECT id FROM token_access_audit WHERE accessed_at < $1 ORDER BY accessed_at, id LIMIT 5000))`,
      [oldest.to],
    );
    deleted += r.rowCount;
    if (r.rowCount < 5000) break;
  }
  const tDelete = performance.now() - t;
  record('audit month removed: DROP of a monthly partition', 'info', n, `${fmt(tDrop)} (${int(rows)} rows)`);
  record('audit month removed: batched DELETE (5000 a batch)', 'info', n, `${fmt(tDelete)} (${int(deleted)} rows, ${int(deleted / (tDelete / 1000))}/s)`);

  // The app's batch insert (500 rows through unnest), 100 batches into each.
  const insert = async (table) => {
    const users = Array.from({ length: 500 }, (_, i) => `user-${String(1 + ((i * 7919) % n)).padStart(8, '0')}`);
    const start = performance.now();
    for (let b = 0; b < 100; b++) {
      await client.query(
        `INSERT INTO ${table} (${table === 'audit_part' ? 'id, ' : ''}service, user_id, platform, accessed_at) SELECT ${table === 'audit_part' ? "nextval('token_access_audit_id_seq'), " : ''}* FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])`,
        [users.map(() => 'publisher'), users, users.map((_, i) => PLATFORMS[i % 8]), users.map(() => new Date().toISOString())],
      );
    }
    return 50_000 / ((performance.now() - start) / 1000);
  };
  const plainRate = await insert('token_access_audit');
  const partRate = await insert('audit_part');
  record('audit insert, plain table (rows/s, batches of 500)', 'info', n, int(plainRate));
  record('audit insert, monthly partitions (rows/s)', 'info', n, int(partRate));

  // The admin's newest-first page, filtered by user, on both (execution time of the statement).
  const page = async (table, where, params) => {
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      times.push(
        (await explain(client, `SELECT id, service, user_id, platform, accessed_at FROM ${table} ${where} ORDER BY accessed_at DESC, id DESC LIMIT 51`, params))
          .ms,
      );
    }
    return percentile(
      times.sort((a, b) => a - b),
      50,
    );
  };
  const user = `user-${String(Math.round(n / 3)).padStart(8, '0')}`;
  record('audit newest page: plain / partitioned', 'info', n, `${fmt(await page('token_access_audit', '', []))} / ${fmt(await page('audit_part', '', []))}`);
  record(
    'audit one user page: plain / partitioned',
    'info',
    n,
    `${fmt(await page('token_access_audit', 'WHERE user_id = $1', [user]))} / ${fmt(await page('audit_part', 'WHERE user_id = $1', [user]))}`,
  );
  await client.query('DROP TABLE audit_part');
}

let failed = false;
try {
  const server = new URL(process.env.BENCH_DATABASE_URL);
  console.log(
    `bench:scale on Postgres at ${server.host}; sizes ${SIZES.map(int).join(', ')}; ${RUNS} requests per figure; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const n of REUSE ? SIZES.slice(-1) : SIZES) await round(n);
} catch (error) {
  failed = true;
  console.error(`bench:scale failed: ${error?.stack ?? error}`);
}

const header = ['figure', 'goal', ...SIZES.map(int)];
const lines = [...figures].map(([name, f]) => [name, f.goal, ...SIZES.map((s) => f.values[s] ?? '—')]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
console.log(`\n| ${header.map((h, i) => h.padEnd(widths[i])).join(' | ')} |`);
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const l of lines) console.log(`| ${l.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`);
console.log(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
process.exit(failed ? 1 : 0);
