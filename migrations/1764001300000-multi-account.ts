import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several accounts per (user, platform), and the scope contract. Every existing connection keeps
 * its id and tokens: it becomes its user's one connection of that platform.
 */
export class MultiAccount1764001300000 implements MigrationInterface {
  name = 'MultiAccount1764001300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE connections
        ADD COLUMN label varchar(80),
        ADD COLUMN requested_scopes text[] NOT NULL DEFAULT '{}',
        ADD COLUMN scopes_source varchar(16) NOT NULL DEFAULT 'token',
        ADD COLUMN reconnected_at timestamptz,
        ADD COLUMN reconnect_count integer NOT NULL DEFAULT 0,
        ADD CONSTRAINT ck_connections_scopes_source CHECK (scopes_source IN ('token', 'introspection', 'assumed'))`);
    // Before this migration the stored scopes were the token response's, or the requested ones when it
    // had none: which, nobody recorded. Call them requested and assumed; the next reconnect records both.
    await q.query(`UPDATE connections SET requested_scopes = scopes, scopes_source = 'assumed'`);
    // One connection per provider account (an account-less provider keeps one per user and platform).
    // It also serves "the user's connections of this platform" (its leading columns).
    await q.query(`CREATE UNIQUE INDEX uq_connections_user_account ON connections (user_id, platform, (coalesce(account_id, '')))`);
    await q.query('ALTER TABLE connections DROP CONSTRAINT uq_connections_user_platform');
    // A connect-url names the connection it reconnects, and the extra scopes it asks for.
    await q.query(`ALTER TABLE oauth_states ADD COLUMN connection_id uuid, ADD COLUMN scopes text[]`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE oauth_states DROP COLUMN connection_id, DROP COLUMN scopes');
    // Back to one per (user, platform): keep each user's most recently connected one.
    await q.query(`
      DELETE FROM connections c USING connections newer
      WHERE newer.user_id = c.user_id AND newer.platform = c.platform AND (newer.connected_at, newer.id) > (c.connected_at, c.id)`);
    await q.query('ALTER TABLE connections ADD CONSTRAINT uq_connections_user_platform UNIQUE (user_id, platform)');
    await q.query('DROP INDEX uq_connections_user_account');
    await q.query(`
      ALTER TABLE connections DROP CONSTRAINT ck_connections_scopes_source,
        DROP COLUMN label, DROP COLUMN requested_scopes, DROP COLUMN scopes_source, DROP COLUMN reconnected_at, DROP COLUMN reconnect_count`);
  }
}
