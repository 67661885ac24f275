import { DataSource, type DataSourceOptions } from 'typeorm';
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
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
