// The floor for bench/internal-token.mjs: a bare node:http server doing only the essential work of
// POST /social/:platform/internal-token: verify the service JWT, one indexed query, one decrypt,
// a JSON answer. No framework, no validation library, no ORM, no audit, no metrics.
// Started by bench/internal-token.mjs with fork(): reports { port } over IPC, answers { usage: true }
// with its event-loop utilization and CPU usage so far, { profile: 'start' | 'stop' } with nothing
// and with its CPU profile, and exits when the parent disconnects.
// Environment: FLOOR_DATABASE_URL, FLOOR_POOL_SIZE, FLOOR_SERVICE_SECRET, FLOOR_KEYS ("kid:hex,...").
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { decryptValue, verifyJwt } from '@ttoss/auth-core';
import pg from 'pg';

if (!process.send) throw new Error('floor-server.mjs is started by bench/internal-token.mjs (needs an IPC channel)');
setTimeout(() => process.exit(2), 20 * 60_000).unref(); // never outlive a bench

const secret = process.env.FLOOR_SERVICE_SECRET;
const keys = new Map(process.env.FLOOR_KEYS.split(',').map((e) => e.split(':')));
const pool = new pg.Pool({
  connectionString: process.env.FLOOR_DATABASE_URL,
  max: Number(process.env.FLOOR_POOL_SIZE ?? 10),
  application_name: 'oc-bench-floor',
});
const SQL = 'SELECT id, access_token, access_token_expires_at, account_id, scopes FROM connections WHERE user_id = $1 AND platform = $2';
const ROUTE = /^\/social\/([^/?]+)\/internal-token$/;

function send(res, status, body) {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

async function answer(res, platform, raw) {
  let userId;
  try {
    userId = JSON.parse(raw).userId;
  } catch {
    return send(res, 400, { error: 'bad_request' });
  }
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 255) return send(res, 400, { error: 'validation_failed' });
  const { rows } = await pool.query(SQL, [userId, platform]);
  const row = rows[0];
  if (!row) return send(res, 404, { error: 'not_connected' });
  // Stored as v1:<kid>:<ciphertext>.
  const stored = row.access_token;
  const second = stored.indexOf(':', 3);
  const key = keys.get(stored.slice(3, second));
  const accessToken = decryptValue({ ciphertext: stored.slice(second + 1), key });
  send(res, 200, {
    accessToken,
    expiresAt: row.access_token_expires_at?.toISOString() ?? null,
    connectionId: row.id,
    accountId: row.account_id,
    grantedScopes: row.scopes,
    scopes: row.scopes,
  });
}

const server = createServer((req, res) => {
  const match = req.method === 'POST' ? ROUTE.exec(req.url) : null;
  if (!match) return send(res, 404, { error: 'not_found' });
  const auth = req.headers.authorization;
  const claims = typeof auth === 'string' && auth.startsWith('Bearer ') ? verifyJwt({ token: auth.slice(7), secret }) : null;
  if (!claims || claims.aud !== 'internal' || typeof claims.sub !== 'string') return send(res, 401, { error: 'unauthorized' });
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    answer(res, match[1], Buffer.concat(chunks).toString('utf8')).catch((error) => send(res, 500, { error: 'internal_error', message: error.message }));
  });
});

await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const session = new Session();
process.on('message', async (m) => {
  if (m?.usage) process.send({ elu: performance.eventLoopUtilization(), cpu: process.cpuUsage() });
  if (m?.profile === 'start') {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    process.send({ started: true });
  }
  if (m?.profile === 'stop') {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    process.send({ profile });
  }
});
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close();
  void pool.end().finally(() => process.exit(0));
});
process.send({ port: server.address().port });
