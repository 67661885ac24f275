// The embedded database's socket (src/database/embedded-postgres.ts): pglite-socket accepts anyone,
// so the service puts a SCRAM-SHA-256 password in front of it. Real pg clients and raw sockets.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { testDbKind } from '../helpers/test-db.js';

const withPassword = (url: string, password: string | undefined) => {
  const u = new URL(url);
  u.password = password ?? '';
  return u.toString();
};

async function tryConnect(url: string): Promise<{ ok: true; rows: unknown[] } | { ok: false; code?: string; message: string }> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query('SELECT 1 AS one');
    return { ok: true, rows };
  } catch (error) {
    return { ok: false, code: (error as { code?: string }).code, message: (error as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Sends raw bytes to the socket and collects what comes back until the server closes it. */
function raw(url: string, ...messages: Buffer[]): Promise<Buffer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => {
      for (const m of messages) socket.write(m);
    });
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    setTimeout(
      () => socket.destroy(new Error(`the server did not close the connection; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`)),
      5_000,
    ).unref();
  });
}

const startup = (user: string) => {
  const body = Buffer.from(`user\0${user}\0database\0postgres\0\0`);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, body]);
};
const typed = (type: string, body: Buffer) => {
  const head = Buffer.alloc(5);
  head.write(type);
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
};
const sslRequest = () => Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

// The embedded database is what is tested here, whichever database the project's other files use.
const describeEmbedded = testDbKind() === 'embedded' ? describe : describe.skip;

describeEmbedded('the embedded database socket', () => {
  let db: EmbeddedPostgres;
  beforeAll(async () => {
    db = await EmbeddedPostgres.start({ maxConnections: 10 });
  });
  afterAll(async () => {
    await db.stop();
  });

  it('carries a generated password in its URL, and the right one connects', async () => {
    expect(new URL(db.url).password.length).toBeGreaterThanOrEqual(32);
    expect(await tryConnect(db.url)).toEqual({ ok: true, rows: [{ one: 1 }] });
  });

  it('refuses a wrong password with 28P01, and another user', async () => {
    expect(await tryConnect(withPassword(db.url, 'wrong-password'))).toMatchObject({
      ok: false,
      code: '28P01',
      message: 'password authentication failed for user "postgres"',
    });
    const other = new URL(db.url);
    other.username = 'mallory';
    expect(await tryConnect(other.toString())).toMatchObject({ ok: false, code: '28P01' });
  });

  it('asks for SCRAM-SHA-256, never a cleartext password, and closes on anything else', async () => {
    // A client with no password: the server asks for SASL (SCRAM-SHA-256) and pg gives up.
    expect(await tryConnect(withPassword(db.url, undefined))).toMatchObject({ ok: false, message: expect.stringMatching(/SASL/) });
    // A cleartext PasswordMessage in place of the SASL exchange is refused, and the socket closed.
    const answer = await raw(db.url, startup('postgres'), typed('p', Buffer.from(`${new URL(db.url).password}\0`)));
    expect(answer.subarray(0, 1).toString()).toBe('R');
    expect(answer.readInt32BE(5)).toBe(10); // AuthenticationSASL
    expect(answer.toString('latin1')).toContain('SCRAM-SHA-256');
    expect(answer.toString('latin1')).toMatch(/E.*SFATAL.*C28000/s);
    expect(answer.includes(Buffer.from([0x5a, 0, 0, 0, 5]))).toBe(false); // no ReadyForQuery
  });

  it('answers SSLRequest with N, and refuses a query sent before authenticating', async () => {
    const answer = await raw(db.url, sslRequest(), typed('Q', Buffer.from('SELECT 1\0')));
    expect(answer.subarray(0, 1).toString()).toBe('N');
    expect(answer.subarray(1, 2).toString()).toBe('E');
    expect(answer.toString('latin1')).toContain('C08P01');
  });

  it('serves many authenticated connections side by side', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 5 });
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.query('SELECT $1::int AS n', [i])));
      expect(results.map((r) => r.rows[0].n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    } finally {
      await pool.end();
    }
  });
});

describeEmbedded('the embedded database on disk', () => {
  it('keeps its password in DATA_DIR/secrets.json and DATA_DIR private to its owner', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'oc-embedded-'));
    const first = await EmbeddedPostgres.start({ dataDir, maxConnections: 2 });
    const password = new URL(first.url).password;
    await first.stop();
    const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
    expect(secrets.EMBEDDED_DB_PASSWORD).toBe(password);
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'pg')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'pg', 'PG_VERSION')).mode & 0o777).toBe(0o600);
    const second = await EmbeddedPostgres.start({ dataDir, maxConnections: 2 });
    try {
      expect(new URL(second.url).password).toBe(password);
      expect(await tryConnect(second.url)).toMatchObject({ ok: true });
    } finally {
      await second.stop();
    }
  });
});
