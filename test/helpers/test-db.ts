import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';

export type TestDb = { kind: 'embedded' | 'postgres'; url: string; drop: () => Promise<void> };

/** Which database this jest project runs on (set per project in jest.config.js). */
export function testDbKind(): 'embedded' | 'postgres' {
  return (globalThis as { TEST_DB?: string }).TEST_DB === 'postgres' ? 'postgres' : 'embedded';
}

/**
 * A fresh, empty database for one test file: an in-memory PGlite behind pglite-socket, or a
 * new database on TEST_DATABASE_URL's server. The app's migrations then run on it for real.
 */
export async function createTestDb(kind = testDbKind()): Promise<TestDb> {
  if (kind === 'embedded') {
    const embedded = await EmbeddedPostgres.start({ maxConnections: 40 });
    return { kind, url: embedded.url, drop: () => embedded.stop() };
  }
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) throw new Error('TEST_DATABASE_URL is not set');
  const name = `oc_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
