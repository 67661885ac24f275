import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OauthStates1764000100000 implements MigrationInterface {
  name = 'OauthStates1764000100000';

  async up(q: QueryRunner): Promise<void> {
    // Only the state's SHA-256 is stored; the PKCE verifier is encrypted like a token.
    await q.query(`
      CREATE TABLE oauth_states (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        state_hash char(64) NOT NULL,
        user_id varchar(255) NOT NULL,
        platform varchar(64) NOT NULL,
        redirect_uri text NOT NULL,
        code_verifier text,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_oauth_states_hash UNIQUE (state_hash)
      )`);
    await q.query('CREATE INDEX ix_oauth_states_user ON oauth_states (user_id, expires_at)');
    await q.query('CREATE INDEX ix_oauth_states_expires ON oauth_states (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE oauth_states');
  }
}
