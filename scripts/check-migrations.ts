import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { describeDrift, schemaDrift } from '../src/database/schema-drift.js';

// CI check (`npm run migrations:check`, part of `npm test`): runs the migrations on a fresh database
// and fails when TypeORM would generate a migration from the entities, i.e. when they disagree.
// The database is an in-memory PGlite, or a new database on TEST_DATABASE_URL's server when it is set.

async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = process.env.TEST_DATABASE_URL;
  if (!server) {
    const embedded = await EmbeddedPostgres.start({ maxConnections: 5 });
    return { url: embedded.url, drop: () => embedded.stop() };
  }
  const name = `oc_migrations_check_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function main(): Promise<number> {
  const db = await freshDatabase();
  try {
    const problem = describeDrift(await schemaDrift(db.url));
    if (problem) {
      process.stderr.write(`migrations:check: ${problem}\n`);
      return 1;
    }
    process.stdout.write(`migrations:check: the entities match the migrations (${process.env.TEST_DATABASE_URL ? 'Postgres' : 'embedded PGlite'})\n`);
    return 0;
  } finally {
    await db.drop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`migrations:check failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
