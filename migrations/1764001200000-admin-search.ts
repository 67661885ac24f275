import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Indexes of the admin lists at millions of rows (issue 16). */
const INDEXES: [name: string, definition: string][] = [
  // The account/username substring filter (ILIKE '%…%'): trigram indexes, one per column, combined by a BitmapOr.
  ['ix_connections_account_trgm', 'connections USING gin (account_id gin_trgm_ops)'],
  ['ix_connections_username_trgm', 'connections USING gin (username gin_trgm_ops)'],
  // The audit and failure lists filtered by a value with few or no rows walked the whole time index.
  ['ix_token_access_audit_user_time', 'token_access_audit (user_id, accessed_at DESC, id DESC)'],
  ['ix_token_access_audit_service_time', 'token_access_audit (service, accessed_at DESC, id DESC)'],
  ['ix_token_access_audit_platform_time', 'token_access_audit (platform, accessed_at DESC, id DESC)'],
  ['ix_refresh_failures_class_time', 'refresh_failures (failure_class, occurred_at DESC, id DESC)'],
];

export class AdminSearch1764001200000 implements MigrationInterface {
  name = 'AdminSearch1764001200000';
  // CONCURRENTLY, so the tables stay writable while a large one is indexed; it cannot run in a transaction.
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    // pg_trgm is a trusted extension: the database owner may create it.
    await q.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    for (const [name, definition] of INDEXES) {
      // A build interrupted earlier leaves an invalid index of that name behind: start over.
      await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
      await q.query(`CREATE INDEX CONCURRENTLY ${name} ON ${definition}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // Not CONCURRENTLY: TypeORM reverts in a transaction whatever `transaction` says (a drop is quick).
    for (const [name] of [...INDEXES].reverse()) await q.query(`DROP INDEX IF EXISTS ${name}`);
    // The extension stays: something else in this database may use it.
  }
}
