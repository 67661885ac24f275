import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AdminApiKeys1764000420000 implements MigrationInterface {
  name = 'AdminApiKeys1764000420000';

  async up(q: QueryRunner): Promise<void> {
    // Admin API keys for scripts (`oca_<hex>`, generateApiToken): only the SHA-256 is stored,
    // with a display prefix. Deleting the admin deletes its keys.
    await q.query(`
      CREATE TABLE admin_api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        admin_id uuid NOT NULL REFERENCES admin_users(id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL,
        display_prefix varchar(16) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_admin_api_keys_token UNIQUE (token_hash)
      )`);
    await q.query('CREATE INDEX ix_admin_api_keys_admin ON admin_api_keys (admin_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE admin_api_keys');
  }
}
