import { DataSource, type DataSourceOptions, MigrationExecutor } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import type { DatabaseConfig } from '../config/config.types.js';
import { ENTITIES } from './entities.js';

/** The one DataSource definition shared by the app, the migration CLI and the tests. */
export function dataSourceOptions(url: string, db: DatabaseConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    ssl: db.ssl === false ? false : { rejectUnauthorized: db.ssl === 'verify' },
    poolSize: db.poolSize,
    extra: {
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      application_name: 'oauth-connections',
      ...(db.statementTimeoutMs > 0 ? { statement_timeout: db.statementTimeoutMs } : {}),
      ...(db.lockTimeoutMs > 0 ? { lock_timeout: db.lockTimeoutMs } : {}),
    },
  };
}

/** Initialises the DataSource and, when asked, runs pending migrations under an advisory lock. */
export async function openDataSource(url: string, db: DatabaseConfig, runMigrations = db.migrationsRun): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(url, db));
  await dataSource.initialize();
  if (runMigrations) await migrate(dataSource);
  return dataSource;
}

// Several instances may start at once: only one runs migrations, the others wait for it.
const MIGRATION_LOCK = 7_301_955_201;

export async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    // Waiting for the lock (another instance migrating) or for DDL locks is expected here:
    // DB_LOCK_TIMEOUT_MS and DB_STATEMENT_TIMEOUT_MS are for serving traffic, not for migrations.
    await runner.query('SET lock_timeout = 0');
    await runner.query('SET statement_timeout = 0');
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    // On the same session as the lock, with its timeouts.
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    // The pooled session serves traffic next: back to the connection's own timeouts.
    await runner.query('RESET lock_timeout').catch(() => undefined);
    await runner.query('RESET statement_timeout').catch(() => undefined);
    await runner.release();
  }
}
