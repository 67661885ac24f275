import { DataSource } from 'typeorm';
import { Connection } from '../../src/connections/connection.entity.js';
import { DecryptionError } from '../../src/crypto/crypto.exception.js';
import { Secret } from '../../src/crypto/secret.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startTestApp, TEST_KEY_1, TEST_KEY_2, type TestApp } from '../helpers/test-app.js';

describe('encrypted token columns', () => {
  let db: TestDb;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDb();
    t = await startTestApp({ db });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  async function insert(ds: DataSource, userId: string): Promise<Connection> {
    return ds.getRepository(Connection).save({
      userId,
      platform: 'tiktok',
      accessToken: Secret.fromPlaintext(`at-plaintext-${userId}`),
      refreshToken: Secret.fromPlaintext(`rt-plaintext-${userId}`),
      scopes: ['user.info.basic'],
    });
  }

  it('stores v1:<kid>:<ciphertext> and never the plaintext', async () => {
    const saved = await insert(t.dataSource, 'u1');
    const [raw] = await t.dataSource.query('SELECT access_token, refresh_token FROM connections WHERE id = $1', [saved.id]);
    expect(raw.access_token).toMatch(/^v1:k1:[A-Za-z0-9+/=]+$/);
    expect(raw.refresh_token).toMatch(/^v1:k1:/);
    expect(JSON.stringify(raw)).not.toContain('plaintext');
    const loaded = await t.dataSource.getRepository(Connection).findOneByOrFail({ id: saved.id });
    expect(loaded.accessToken.reveal()).toBe('at-plaintext-u1');
    expect(loaded.refreshToken!.reveal()).toBe('rt-plaintext-u1');
  });

  it('decrypts after a key-ring change that keeps the old key, and fails cleanly without it', async () => {
    const saved = await insert(t.dataSource, 'u2');
    const rotated = await startTestApp({ db, env: { TOKEN_ENCRYPTION_KEYS: `k2:${TEST_KEY_2},k1:${TEST_KEY_1}` } });
    try {
      const repo = rotated.dataSource.getRepository(Connection);
      const loaded = await repo.findOneByOrFail({ id: saved.id });
      expect(loaded.accessToken.reveal()).toBe('at-plaintext-u2');
      // New writes use the current key.
      loaded.accessToken = Secret.fromPlaintext('at-new');
      await repo.save(loaded);
      const [raw] = await rotated.dataSource.query('SELECT access_token, refresh_token FROM connections WHERE id = $1', [saved.id]);
      expect(raw.access_token).toMatch(/^v1:k2:/);
      // Unchanged values keep their ciphertext until rotated explicitly.
      expect(raw.refresh_token).toMatch(/^v1:k1:/);
    } finally {
      await rotated.close();
    }
  });

  it('raises DecryptionError for a tampered value instead of crashing or returning garbage', async () => {
    const saved = await insert(t.dataSource, 'u3');
    await t.dataSource.query(`UPDATE connections SET access_token = regexp_replace(access_token, '.{4}$', 'AAAA') WHERE id = $1`, [saved.id]);
    const loaded = await t.dataSource.getRepository(Connection).findOneByOrFail({ id: saved.id });
    expect(() => loaded.accessToken.reveal()).toThrow(DecryptionError);
    expect(loaded.refreshToken!.reveal()).toBe('rt-plaintext-u3');
  });
});
