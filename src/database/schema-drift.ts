import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from './entities.js';

export type SchemaDrift = {
  /** What `migration:generate` would write to make the migrated schema match the entities. */
  statements: string[];
  /** Tables the migrations create that no entity describes (TypeORM's diff does not look at them). */
  tablesWithoutEntity: string[];
};

/**
 * Runs every migration on the database at `url` (a fresh one), then asks TypeORM which statements
 * would make the schema match the entities. Nothing to do means the entities and the migrations
 * agree. `entities` is replaceable so a test can prove a drifted entity is caught.
 * What TypeORM does not compare (index sort order and WHERE, expression indexes declared with
 * `synchronize: false`) stays the migrations' word.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own entity list type
export async function schemaDrift(url: string, entities: MixedList<Function | string | EntitySchema> = ENTITIES): Promise<SchemaDrift> {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    const sql = await dataSource.driver.createSchemaBuilder().log();
    const mapped = new Set(dataSource.entityMetadatas.map((m) => m.tableName));
    const tables = (await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    )) as { table_name: string }[];
    return {
      statements: sql.upQueries.map((q) => q.query),
      tablesWithoutEntity: tables.map((t) => t.table_name).filter((t) => t !== 'migrations' && !mapped.has(t)),
    };
  } finally {
    await dataSource.destroy();
  }
}

/** The failure report, or null when there is no drift. */
export function describeDrift(drift: SchemaDrift): string | null {
  if (drift.statements.length === 0 && drift.tablesWithoutEntity.length === 0) return null;
  const lines = ['The entities (src/database/entities.ts) and the migrations (migrations/) disagree.'];
  if (drift.statements.length) {
    lines.push('To match the entities, the schema the migrations build would need:', ...drift.statements.map((s) => `  ${s};`));
    lines.push('Fix the entity if the migration is right; if the entity is right, add a migration with these statements (registered in migrations/index.ts).');
  }
  if (drift.tablesWithoutEntity.length) lines.push(`Tables without an entity: ${drift.tablesWithoutEntity.join(', ')} (add one to ENTITIES).`);
  return lines.join('\n');
}
