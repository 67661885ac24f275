import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hosted connect (issue 14): connect sessions, each a single-use link to the hosted connect page,
 * stored by the SHA-256 of its token; and the OAuth state of a hosted flow names its session.
 */
export class ConnectSessions1764001400000 implements MigrationInterface {
  name = 'ConnectSessions1764001400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connect_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash char(64) NOT NULL,
        user_id varchar(255) NOT NULL,
        platforms text[] NOT NULL,
        connection_id uuid,
        scopes text[],
        return_url text NOT NULL,
        created_by varchar(255) NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        used_platform varchar(64),
        popup boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_connect_sessions_token_hash UNIQUE (token_hash)
      )`);
    await q.query('CREATE INDEX ix_connect_sessions_expires ON connect_sessions (expires_at)');
    // No foreign key: each table has its own retention (a state outlives nothing it needs).
    await q.query('ALTER TABLE oauth_states ADD COLUMN connect_session_id uuid');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE oauth_states DROP COLUMN connect_session_id');
    await q.query('DROP TABLE connect_sessions');
  }
}
