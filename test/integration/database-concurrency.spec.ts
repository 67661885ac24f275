import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

// The embedded database must behave like Postgres for a pool of connections in another process:
// each query gets its own rows and row locks serialise read-modify-write transactions.
describe('many pool connections running different statements and transactions at once', () => {
  let db: TestDb;

  beforeAll(async () => {
    db = await createTestDb();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)');
    await client.query(`INSERT INTO t SELECT i, 'v' || i FROM generate_series(0, 49) AS i`);
    await client.query('CREATE TABLE counter (n int NOT NULL)');
    await client.query('INSERT INTO counter VALUES (0)');
    await client.end();
  });
  afterAll(() => db?.drop());

  it('returns every query its own rows and loses no update', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['test/fixtures/pg-mixed-load.mjs', db.url], { timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({ wrong: 0, errors: 0, counter: 40 });
  });
});
