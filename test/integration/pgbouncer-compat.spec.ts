import { connect, createServer, type Server, type Socket } from 'node:net';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

// PgBouncer in transaction mode hands each transaction to any server connection, so a named
// prepared statement (Parse with a name) made on one may be missing on the next. This test reads
// the Postgres frontend protocol between the app and its database and fails on any named one.

/** Forwards to `target`, recording the statement name of every Parse message the client sends. */
async function sniffingProxy(target: { host: string; port: number }): Promise<{ port: number; names: string[]; close: () => Promise<void> }> {
  const names: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    for (const s of [client, upstream]) s.on('error', () => undefined);
    upstream.pipe(client);
    let pending = Buffer.alloc(0);
    let started = false; // the startup message (and an SSLRequest before it) has no type byte
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (!started) {
          if (pending.length < 8) break;
          const len = pending.readInt32BE(0);
          if (pending.length < len) break;
          const code = pending.readInt32BE(4);
          pending = pending.subarray(len);
          if (code !== 80877103) started = true; // SSLRequest comes first; the startup message follows
          continue;
        }
        if (pending.length < 5) break;
        const len = pending.readInt32BE(1);
        if (pending.length < 1 + len) break;
        if (pending[0] === 0x50 /* 'P' */) names.push(pending.subarray(5, pending.indexOf(0, 5)).toString('utf8'));
        pending = pending.subarray(1 + len);
      }
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    names,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('PgBouncer transaction mode: no named prepared statements', () => {
  let db: TestDb;
  let proxy: Awaited<ReturnType<typeof sniffingProxy>>;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDb();
    const url = new URL(db.url);
    proxy = await sniffingProxy({ host: url.hostname, port: Number(url.port) });
    url.host = `127.0.0.1:${proxy.port}`;
    t = await startTestApp({ db: { ...db, url: url.toString() }, env: { REFRESH_CRON: 'off' } });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('migrations, the hot path, admin reads and background jobs use only unnamed statements', async () => {
    const admin = { Authorization: `Bearer ${await t.adminKey()}` };
    const svc = { Authorization: `Bearer ${t.serviceToken('jobs')}` };
    for (let i = 0; i < 3; i++)
      await request(t.url)
        .post('/social/demo/internal-token')
        .set(svc)
        .send({ userId: `nobody-${i}` });
    await request(t.url).get('/admin/api/summary').set(admin).expect(200);
    await request(t.url).get('/admin/api/connections?status=expiring').set(admin).expect(200);
    await request(t.url).get('/metrics').set(admin).expect(200);
    expect(proxy.names.length).toBeGreaterThan(20);
    expect(proxy.names.filter((n) => n !== '')).toEqual([]);
  });
});
