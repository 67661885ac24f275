import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { resultRows } from '../../src/common/query-result.js';
import { Connection } from '../../src/connections/connection.entity.js';
import { OAuthState } from '../../src/connections/oauth-state.entity.js';
import { KeyRing } from '../../src/crypto/key-ring.js';
import { type EncryptedColumnRef, KeyRotationService, type RotationBatchRow, type RotationProgress } from '../../src/crypto/key-rotation.service.js';
import { Secret } from '../../src/crypto/secret.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startTestApp, TEST_KEY_1, TEST_KEY_2, type TestApp } from '../helpers/test-app.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const USERS = 300;
const RACERS = 4;
const STATES = 6;
const K1_ONLY = new KeyRing([{ kid: 'k1', key: TEST_KEY_1 }]);
const K2_ONLY = new KeyRing([{ kid: 'k2', key: TEST_KEY_2 }]);

type Raw = { table: string; column: string; id: string; value: string };

describe('key rotation (keys:rotate)', () => {
  let fake: FakeProvider;
  let db: TestDb;
  let b: TestApp;
  /** Expected plaintext of every encrypted value, by `table.column:id`. */
  const expected = new Map<string, string>();
  const userIds = new Map<string, string>(); // connection id -> user id
  let refreshes = 0;

  const COLUMNS = [
    ['connection_assets', 'access_token'],
    ['connections', 'access_token'],
    ['connections', 'refresh_token'],
    ['oauth_states', 'code_verifier'],
  ] as const;

  async function rawValues(): Promise<Raw[]> {
    const all: Raw[] = [];
    for (const [table, column] of COLUMNS) {
      const found = resultRows<{ id: string; value: string }>(
        await b.dataSource.query(`SELECT id::text AS id, ${column} AS value FROM ${table} WHERE ${column} IS NOT NULL ORDER BY id`),
      );
      all.push(...found.map((r) => ({ table, column, ...r })));
    }
    return all;
  }

  /** Puts every value back under k1 (what a database written before the rotation holds). */
  async function resetToK1(): Promise<number> {
    const values = await rawValues();
    for (const [table, column] of COLUMNS) {
      const mine = values.filter((v) => v.table === table && v.column === column);
      await b.dataSource.query(`UPDATE ${table} AS t SET ${column} = v.value FROM unnest($1::uuid[], $2::text[]) AS v(id, value) WHERE t.id = v.id`, [
        mine.map((v) => v.id),
        mine.map((v) => K1_ONLY.encrypt(expected.get(`${table}.${column}:${v.id}`)!)),
      ]);
    }
    return values.length;
  }

  /** Every value is under k2 and decrypts (with k2 alone) to what was seeded or last refreshed. */
  async function expectAllUnderK2(skip: string[] = []): Promise<void> {
    const values = (await rawValues()).filter((v) => !skip.includes(`${v.table}.${v.column}:${v.id}`));
    const wrong = values.filter((v) => !v.value.startsWith('v1:k2:') || K2_ONLY.decrypt(v.value) !== expected.get(`${v.table}.${v.column}:${v.id}`));
    expect(wrong.map((v) => `${v.table}.${v.column}:${v.id}`)).toEqual([]);
    expect(values.length).toBe(expected.size - skip.length);
  }

  beforeAll(async () => {
    fake = await startFakeProvider();
    fake.on('POST', '/token', (req) => ({
      json: { access_token: `at-refreshed-${++refreshes}-${req.form.refresh_token}`, refresh_token: `${req.form.refresh_token}+`, expires_in: 86_400 },
    }));
    const env = {
      PROVIDERS_FILE: writeProvidersFile({
        acme: { authorizationUrl: `${fake.url}/authorize`, tokenUrl: `${fake.url}/token`, clientId: 'cid', clientSecret: 'csecret' },
      }),
      REFRESH_CRON: 'off',
    };
    db = await createTestDb();
    // Instance A knows only k1: everything it writes is under k1.
    const a = await startTestApp({ db, env });
    try {
      const now = Date.now();
      const connections = Array.from({ length: USERS + RACERS }, (_, i) => {
        const racer = i >= USERS;
        const userId = racer ? `racer-${i - USERS}` : `user-${String(i).padStart(3, '0')}`;
        return {
          userId,
          platform: 'acme',
          accessToken: Secret.fromPlaintext(`at-${userId}-${randomBytes(6).toString('hex')}`),
          // Some connections have no refresh token (NULL stays NULL).
          refreshToken: !racer && i % 10 === 0 ? null : Secret.fromPlaintext(`rt-${userId}`),
          // Fresh tokens are never refreshed; racers expire within the refresh window.
          accessTokenExpiresAt: new Date(racer ? now + 60_000 : now + 30 * DAY),
          accessTokenIssuedAt: new Date(racer ? now - HOUR : now),
          scopes: ['api'],
        };
      });
      await a.dataSource.getRepository(Connection).insert(connections);
      for (const c of await a.dataSource.getRepository(Connection).find()) {
        userIds.set(c.id, c.userId);
        expected.set(`connections.access_token:${c.id}`, c.accessToken.reveal());
        if (c.refreshToken) expected.set(`connections.refresh_token:${c.id}`, c.refreshToken.reveal());
      }
      const states = Array.from({ length: STATES + 1 }, (_, i) => ({
        stateHash: randomBytes(32).toString('hex'),
        userId: `user-${String(i).padStart(3, '0')}`,
        platform: 'acme',
        redirectUri: 'http://localhost:3000/my/settings/social',
        codeVerifier: i === STATES ? null : Secret.fromPlaintext(`cv-${i}-${randomBytes(16).toString('base64url')}`),
        expiresAt: new Date(now + HOUR),
      }));
      await a.dataSource.getRepository(OAuthState).insert(states);
      for (const s of await a.dataSource.getRepository(OAuthState).find())
        if (s.codeVerifier) expected.set(`oauth_states.code_verifier:${s.id}`, s.codeVerifier.reveal());
      // Instance B reads k1 and writes k2; A goes away before the rotation starts.
      b = await startTestApp({ db, env: { ...env, TOKEN_ENCRYPTION_KEYS: `k2:${TEST_KEY_2},k1:${TEST_KEY_1}` } });
    } finally {
      await a.close();
    }
  });
  afterAll(async () => {
    await b?.close();
    await db?.drop();
    await fake?.close();
  });

  const internalToken = (userId: string) =>
    fetch(`${b.url}/social/acme/internal-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${b.serviceToken('publisher')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId }),
    });

  it('finds the four encrypted columns from the entity metadata', () => {
    const service = new KeyRotationService(b.dataSource, b.app.get(KeyRing));
    expect(service.encryptedColumns().map((c) => `${c.table}.${c.column}`)).toEqual(COLUMNS.map(([t, c]) => `${t}.${c}`));
  });

  it('rotates k1 -> k2 online: concurrent internal-token calls all succeed, concurrent refreshes win', async () => {
    const total = expected.size;
    expect((await rawValues()).every((v) => v.value.startsWith('v1:k1:'))).toBe(true);
    const admin = `Bearer ${await b.adminKey()}`;
    expect((await request(b.url).get('/admin/api/summary').set('Authorization', admin).expect(200)).body.valuesByKeyId).toEqual({ k1: total });

    // Load: 8 loops of internal-token calls for random fresh users until the rotation is over.
    const fresh = [...userIds].filter(([, u]) => u.startsWith('user-'));
    const calls: { from: number; to: number; status: number; ok: boolean }[] = [];
    let stop = false;
    const loop = async () => {
      while (!stop) {
        const [id, userId] = fresh[Math.floor(Math.random() * fresh.length)]!;
        const from = Date.now();
        const res = await internalToken(userId);
        const body = (await res.json()) as { accessToken?: string };
        calls.push({ from, to: Date.now(), status: res.status, ok: body.accessToken === expected.get(`connections.access_token:${id}`) });
      }
    };
    const t0 = Date.now();
    const loops = Array.from({ length: 8 }, loop);
    while (calls.length < 40) await new Promise((r) => setTimeout(r, 10));

    // While a batch is between its read and its write, the racers' tokens are refreshed for real.
    const raced: string[] = [];
    class RacingRotation extends KeyRotationService {
      protected override async writeBatch(ref: EncryptedColumnRef, rows: RotationBatchRow[]): Promise<number> {
        for (const row of rows) {
          const userId = userIds.get(row.id);
          if (ref.column !== 'access_token' || !userId?.startsWith('racer-')) continue;
          const res = await internalToken(userId);
          expect(res.status).toBe(200);
          const { accessToken } = (await res.json()) as { accessToken: string };
          expect(accessToken).toMatch(/^at-refreshed-/);
          expected.set(`connections.access_token:${row.id}`, accessToken);
          expected.set(`connections.refresh_token:${row.id}`, `rt-${userId}+`);
          raced.push(userId);
        }
        return super.writeBatch(ref, rows);
      }
    }
    const progress: RotationProgress[] = [];
    const started = Date.now();
    const result = await new RacingRotation(b.dataSource, b.app.get(KeyRing)).rotate({ batchSize: 50, pauseMs: 5, onProgress: (p) => void progress.push(p) });
    const ended = Date.now();
    // Bounded by time: the load runs at least 1 s, and past the end of the rotation.
    await new Promise((r) => setTimeout(r, Math.max(100, 1000 - (ended - t0))));
    stop = true;
    await Promise.all(loops);

    const failed = calls.filter((c) => c.status !== 200 || !c.ok);
    expect({ calls: calls.length >= 40, failed: failed.slice(0, 3) }).toEqual({ calls: true, failed: [] });
    // Every loop had requests in flight while the rotation ran.
    expect(calls.filter((c) => c.from <= ended && c.to >= started).length).toBeGreaterThanOrEqual(8);
    expect(raced).toHaveLength(RACERS);
    expect(refreshes).toBe(RACERS);
    // The racers' access and refresh tokens were rewritten under k2 by the refresh: the rotation left them alone.
    expect(result).toMatchObject({ currentKid: 'k2', reencrypted: total - 2 * RACERS, skipped: RACERS, undecryptable: 0, failures: [] });
    expect(result.remaining).toEqual({ k2: total });
    expect(progress[0]).toEqual({ table: 'connections', column: 'access_token', done: 50, total: USERS + RACERS });
    expect(progress.at(-1)).toEqual({ table: 'oauth_states', column: 'code_verifier', done: STATES, total: STATES });

    await expectAllUnderK2();
    expect((await request(b.url).get('/admin/api/summary').set('Authorization', admin).expect(200)).body.valuesByKeyId).toEqual({ k2: total });
    // Nothing left: a second run is a no-op.
    const again = await new KeyRotationService(b.dataSource, b.app.get(KeyRing)).rotate({ batchSize: 50 });
    expect(again).toMatchObject({ reencrypted: 0, skipped: 0, undecryptable: 0 });
    expect(again.remaining).toEqual({ k2: total });
  });

  it('resumes after a crash: a rerun finishes what is left and rewrites nothing twice', async () => {
    const total = await resetToK1();
    const service = new KeyRotationService(b.dataSource, b.app.get(KeyRing));
    let batches = 0;
    const crash = () => {
      if (++batches === 2) throw new Error('simulated crash');
    };
    await expect(service.rotate({ batchSize: 50, onProgress: crash })).rejects.toThrow('simulated crash');
    // Two batches were written before the crash.
    expect(await service.valuesByKeyId()).toEqual({ k1: total - 100, k2: 100 });

    const progress: RotationProgress[] = [];
    const result = await service.rotate({ batchSize: 50, onProgress: (p) => void progress.push(p) });
    expect(result).toMatchObject({ reencrypted: total - 100, skipped: 0, undecryptable: 0 });
    expect(result.remaining).toEqual({ k2: total });
    expect(progress[0]).toEqual({ table: 'connections', column: 'access_token', done: 50, total: USERS + RACERS - 100 });
    await expectAllUnderK2();
  });

  it('reports undecryptable values (by row, never by value) and rotates everything else', async () => {
    const total = await resetToK1();
    const [c1, c2, c3] = resultRows<{ id: string; access_token: string }>(
      await b.dataSource.query('SELECT id::text AS id, access_token FROM connections WHERE refresh_token IS NOT NULL ORDER BY id LIMIT 3'),
    );
    const i = c1!.access_token.length - 10;
    const tampered = c1!.access_token.slice(0, i) + (c1!.access_token[i] === 'A' ? 'B' : 'A') + c1!.access_token.slice(i + 1);
    const unknownKey = new KeyRing([{ kid: 'k0', key: 'c'.repeat(64) }]).encrypt('rt-secret-under-a-lost-key');
    await b.dataSource.query('UPDATE connections SET access_token = $2 WHERE id = $1', [c1!.id, tampered]);
    await b.dataSource.query('UPDATE connections SET refresh_token = $2 WHERE id = $1', [c2!.id, unknownKey]);
    await b.dataSource.query(`UPDATE connections SET access_token = 'plaintext-token-from-elsewhere' WHERE id = $1`, [c3!.id]);

    const result = await new KeyRotationService(b.dataSource, b.app.get(KeyRing)).rotate({ batchSize: 50 });
    expect(result).toMatchObject({ reencrypted: total - 3, skipped: 0, undecryptable: 3 });
    expect(result.remaining).toEqual({ k2: total - 3, k1: 1, k0: 1, '': 1 });
    expect(result.failures).toEqual(
      expect.arrayContaining([
        { table: 'connections', column: 'access_token', id: c1!.id, reason: 'authentication_failed', kid: 'k1' },
        { table: 'connections', column: 'refresh_token', id: c2!.id, reason: 'unknown_key', kid: 'k0' },
        { table: 'connections', column: 'access_token', id: c3!.id, reason: 'malformed' },
      ]),
    );
    expect(result.failures).toHaveLength(3);
    const report = JSON.stringify(result);
    for (const secret of [tampered, unknownKey, 'plaintext-token-from-elsewhere', tampered.split(':')[2]!]) expect(report).not.toContain(secret);
    await expectAllUnderK2([`connections.access_token:${c1!.id}`, `connections.refresh_token:${c2!.id}`, `connections.access_token:${c3!.id}`]);
    // The undecryptable values are left exactly as they were.
    const [after] = resultRows<{ a1: string; r2: string }>(
      await b.dataSource.query(
        'SELECT (SELECT access_token FROM connections WHERE id = $1) AS a1, (SELECT refresh_token FROM connections WHERE id = $2) AS r2',
        [c1!.id, c2!.id],
      ),
    );
    expect(after).toEqual({ a1: tampered, r2: unknownKey });
  });
});
