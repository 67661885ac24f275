import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Admin1764000300000 implements MigrationInterface {
  name = 'Admin1764000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE admin_users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email varchar(320) NOT NULL,
        password_hash varchar(255) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz,
        CONSTRAINT uq_admin_users_email UNIQUE (email)
      )`);
    // Keyset pagination of the admin connection list: one index per sort order, id as tie-breaker.
    await q.query(`CREATE INDEX ix_connections_admin_expiry ON connections ((coalesce(access_token_expires_at, 'infinity'::timestamptz)), id)`);
    await q.query(`CREATE INDEX ix_connections_admin_refreshed ON connections ((coalesce(last_refreshed_at, '-infinity'::timestamptz)), id)`);
    await q.query('CREATE INDEX ix_connections_admin_failures ON connections (consecutive_failures, id)');
    await q.query('CREATE INDEX ix_connections_admin_connected ON connections (connected_at, id)');
    await q.query('CREATE INDEX ix_connections_platform_status ON connections (platform, status)');
    await q.query('CREATE INDEX ix_connections_user_prefix ON connections (user_id text_pattern_ops)');
    await q.query('CREATE INDEX ix_refresh_failures_platform_time ON refresh_failures (platform, occurred_at DESC, id DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const ix of [
      'ix_refresh_failures_platform_time',
      'ix_connections_user_prefix',
      'ix_connections_platform_status',
      'ix_connections_admin_connected',
      'ix_connections_admin_failures',
      'ix_connections_admin_refreshed',
      'ix_connections_admin_expiry',
    ]) {
      await q.query(`DROP INDEX ${ix}`);
    }
    await q.query('DROP TABLE admin_users');
  }
}
