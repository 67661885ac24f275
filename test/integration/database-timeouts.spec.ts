import pg from 'pg';
import { Connection } from '../../src/connections/connection.entity.js';
import { Secret } from '../../src/crypto/secret.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { testDbKind } from '../helpers/test-db.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// The embedded database runs one transaction at a time, so a second session waits at the socket,
// never on a Postgres lock: lock_timeout only means something on a real server.
const onPostgres = testDbKind() === 'postgres' ? describe : describe.skip;

onPostgres('DB_LOCK_TIMEOUT_MS', () => {
  let t: TestApp;
  let holder: pg.Client;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        DB_LOCK_TIMEOUT_MS: '300',
        DB_POOL_SIZE: '4',
        REFRESH_CRON: 'off',
        PROVIDERS_FILE: writeProvidersFile({
          alpha: { authorizationUrl: 'https://alpha.invalid/a', tokenUrl: 'https://alpha.invalid/token', clientId: 'c', clientSecret: 's' },
        }),
      },
    });
    await t.dataSource.getRepository(Connection).insert({ userId: 'u1', platform: 'alpha', accessToken: Secret.fromPlaintext('at-u1'), scopes: [] });
    holder = new pg.Client({ connectionString: t.db.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await t?.close();
  });

  it('is set on every pooled session, including the one that ran the migrations (they wait as long as needed)', async () => {
    const all = await Promise.all(
      Array.from({ length: 4 }, () =>
        t.dataSource.query<{ lock_timeout: string; statement_timeout: string; pid: number }[]>(
          'SELECT current_setting($1) AS lock_timeout, current_setting($2) AS statement_timeout, pg_backend_pid() AS pid, pg_sleep(0.05)',
          ['lock_timeout', 'statement_timeout'],
        ),
      ),
    );
    const rows = all.map(([row]) => row!);
    expect(new Set(rows.map((r) => r.pid)).size).toBe(4);
    expect(rows.map((r) => [r.lock_timeout, r.statement_timeout])).toEqual(rows.map(() => ['300ms', '15s']));
  });

  it('answers 503 database_busy with Retry-After when a statement waits too long for a lock, and works once the lock is gone', async () => {
    await holder.query('BEGIN');
    await holder.query(`SELECT id FROM connections WHERE user_id = 'u1' FOR UPDATE`);
    const logged = t.logs.length;
    // Answered while the lock is still held (it is released only below).
    const blocked = await fetch(`${t.url}/social/alpha/disconnect`, { method: 'DELETE', headers: { authorization: `Bearer ${t.userToken('u1')}` } });
    await holder.query('ROLLBACK');
    expect(blocked.status).toBe(503);
    expect(blocked.headers.get('retry-after')).toBe('1');
    expect(await blocked.json()).toEqual({ statusCode: 503, error: 'database_busy', message: 'The database did not answer in time; retry shortly' });
    // It was DB_LOCK_TIMEOUT_MS that ended the wait, not the 15 s statement_timeout (both answer database_busy).
    const reasons = t.logs.slice(logged).join('\n');
    expect(reasons).toContain('canceling statement due to lock timeout');
    expect(reasons).not.toContain('canceling statement due to statement timeout');
    expect(await t.dataSource.getRepository(Connection).countBy({ userId: 'u1' })).toBe(1); // nothing half-done

    const retried = await fetch(`${t.url}/social/alpha/disconnect`, { method: 'DELETE', headers: { authorization: `Bearer ${t.userToken('u1')}` } });
    expect(retried.status).toBe(200);
    expect(await t.dataSource.getRepository(Connection).countBy({ userId: 'u1' })).toBe(0);
  });
});
