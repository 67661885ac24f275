import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DemoProvider1764000500000 implements MigrationInterface {
  name = 'DemoProvider1764000500000';

  async up(q: QueryRunner): Promise<void> {
    // The development demo provider's grants (src/demo), so they survive a restart. Only each
    // code's or token's SHA-256 is stored; consumed refresh tokens stay until they expire, for reuse detection.
    await q.query(`
      CREATE TABLE demo_provider_tokens (
        token_hash char(64) PRIMARY KEY,
        kind varchar(16) NOT NULL CHECK (kind IN ('code', 'access', 'refresh')),
        client_id varchar(255) NOT NULL,
        subject varchar(255) NOT NULL,
        scopes text[] NOT NULL,
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz,
        redirect_uri text,
        code_challenge varchar(128),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX ix_demo_provider_tokens_owner ON demo_provider_tokens (subject, client_id)');
    await q.query('CREATE INDEX ix_demo_provider_tokens_expires ON demo_provider_tokens (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE demo_provider_tokens');
  }
}
