import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { MultiAccount1764001300000 } from '../../migrations/1764001300000-multi-account.js';
import { KeyRing } from '../../src/crypto/key-ring.js';
import { startOidcServer, type OidcServer } from '../helpers/oidc-server.js';
import { oidcProviderEntry, REDIRECT_URI, writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, TEST_KEY_1, type TestApp } from '../helpers/test-app.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

// Migration 1764001300000 on connections written by the previous release (one per user and
// platform): every connection keeps its id and tokens, and answers internal-token as before.

describe('migration 1764001300000 (several accounts per platform) on existing connections', () => {
  let db: TestDb;
  let as: OidcServer;
  let t: TestApp | undefined;
  const ids = { ann: randomUUID(), bob: randomUUID(), bobOther: randomUUID() };

  beforeAll(async () => {
    db = await createTestDb();
    as = await startOidcServer({ redirectUris: [REDIRECT_URI] });
    const at = MIGRATIONS.indexOf(MultiAccount1764001300000);
    const ds = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS.slice(0, at), migrationsTableName: 'migrations', logging: false });
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    const ring = new KeyRing([{ kid: 'k1', key: TEST_KEY_1 }]);
    const insert = (id: string, user: string, platform: string, account: string | null, scopes: string[]) =>
      ds.query(
        `INSERT INTO connections (id, user_id, platform, account_id, username, scopes, access_token, refresh_token, access_token_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + interval '30 days')`,
        [id, user, platform, account, `name-${user}`, scopes, ring.encrypt(`at-${id}`), ring.encrypt(`rt-${id}`)],
      );
    await insert(ids.ann, 'ann', 'acme', 'acct-ann', ['openid', 'api']);
    await insert(ids.bob, 'bob', 'acme', null, ['openid']); // a provider without account ids
    await insert(ids.bobOther, 'bob', 'acme2', 'acct-bob', ['openid']);
    await ds.destroy();

    const file = writeProvidersFile({ acme: oidcProviderEntry(as), acme2: oidcProviderEntry(as, { displayName: 'Acme Two' }) });
    t = await startTestApp({ db, env: { PROVIDERS_FILE: file, ACME_CLIENT_SECRET: as.clientSecret, OAUTH_REDIRECT_URI: REDIRECT_URI, REFRESH_CRON: 'off' } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await as?.close();
  });

  it('keeps every connection and its id; each answers internal-token with its old token', async () => {
    const svc = `Bearer ${t!.serviceToken('jobs')}`;
    for (const [user, platform, id, account] of [
      ['ann', 'acme', ids.ann, 'acct-ann'],
      ['bob', 'acme', ids.bob, null],
      ['bob', 'acme2', ids.bobOther, 'acct-bob'],
    ] as const) {
      const res = await request(t!.url).post(`/social/${platform}/internal-token`).set('Authorization', svc).send({ userId: user });
      expect({ user, platform, status: res.status, body: res.body }).toEqual({
        user,
        platform,
        status: 200,
        body: expect.objectContaining({ accessToken: `at-${id}`, connectionId: id, accountId: account }),
      });
    }
    const rows = (await t!.dataSource.query('SELECT id, requested_scopes, scopes, scopes_source, label FROM connections ORDER BY user_id, platform')) as Record<
      string,
      unknown
    >[];
    expect(rows).toEqual([
      { id: ids.ann, requested_scopes: ['openid', 'api'], scopes: ['openid', 'api'], scopes_source: 'assumed', label: null },
      { id: ids.bob, requested_scopes: ['openid'], scopes: ['openid'], scopes_source: 'assumed', label: null },
      { id: ids.bobOther, requested_scopes: ['openid'], scopes: ['openid'], scopes_source: 'assumed', label: null },
    ]);
  });

  it("an account-less provider keeps one connection per user and platform (the unique index on coalesce(account_id, ''))", async () => {
    await expect(
      t!.dataSource.query(`INSERT INTO connections (user_id, platform, account_id, access_token) VALUES ('bob', 'acme', NULL, 'x')`),
    ).rejects.toThrow(/uq_connections_user_account/);
  });
});
