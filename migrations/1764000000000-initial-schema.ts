import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id varchar(255) NOT NULL,
        platform varchar(64) NOT NULL,
        account_id varchar(255),
        username varchar(255),
        status varchar(16) NOT NULL DEFAULT 'active',
        scopes text[] NOT NULL DEFAULT '{}',
        access_token text NOT NULL,
        refresh_token text,
        access_token_expires_at timestamptz,
        refresh_token_expires_at timestamptz,
        access_token_issued_at timestamptz,
        connected_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_connections_user_platform UNIQUE (user_id, platform),
        CONSTRAINT ck_connections_status CHECK (status IN ('active', 'needs_reauth'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE connections');
  }
}
