import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AdminSessions1764000400000 implements MigrationInterface {
  name = 'AdminSessions1764000400000';

  async up(q: QueryRunner): Promise<void> {
    // Admin UI sessions: the cookie is an opaque random id and the CSRF token a second random
    // value; only their SHA-256 is stored. Deleting the admin ends its sessions.
    await q.query(`
      CREATE TABLE admin_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        admin_id uuid NOT NULL REFERENCES admin_users(id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL,
        csrf_hash char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_admin_sessions_token UNIQUE (token_hash)
      )`);
    await q.query('CREATE INDEX ix_admin_sessions_admin ON admin_sessions (admin_id)');
    await q.query('CREATE INDEX ix_admin_sessions_expires ON admin_sessions (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE admin_sessions');
  }
}
