import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Pages, organisations and channels of each connection, and when each connection's list is
 * read again. Every existing connection gets a first sync spread over a day; one whose provider has
 * no assets deletes its row on that first sync.
 */
export class Assets1764001600000 implements MigrationInterface {
  name = 'Assets1764001600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connection_assets (
        id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        connection_id uuid NOT NULL,
        kind varchar(32) NOT NULL,
        external_id varchar(255) NOT NULL,
        name varchar(255),
        picture_url text,
        capabilities text[] NOT NULL DEFAULT '{}',
        access_token text,
        access_token_expires_at timestamptz,
        status varchar(16) NOT NULL DEFAULT 'active',
        discovered_at timestamptz NOT NULL DEFAULT now(),
        seen_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz,
        CONSTRAINT connection_assets_connection_id_fkey FOREIGN KEY (connection_id) REFERENCES connections(id) ON DELETE CASCADE,
        CONSTRAINT ck_connection_assets_status CHECK (status IN ('active', 'removed'))
      )`);
    await q.query('CREATE UNIQUE INDEX uq_connection_assets_external ON connection_assets (connection_id, kind, external_id)');
    await q.query(`CREATE INDEX ix_connection_assets_removed ON connection_assets (removed_at) WHERE status = 'removed'`);
    await q.query(`
      CREATE TABLE asset_syncs (
        connection_id uuid NOT NULL PRIMARY KEY,
        next_sync_at timestamptz NOT NULL DEFAULT now(),
        synced_at timestamptz,
        failures integer NOT NULL DEFAULT 0,
        last_error varchar(64),
        CONSTRAINT asset_syncs_connection_id_fkey FOREIGN KEY (connection_id) REFERENCES connections(id) ON DELETE CASCADE
      )`);
    await q.query('CREATE INDEX ix_asset_syncs_due ON asset_syncs (next_sync_at)');
    await q.query(`INSERT INTO asset_syncs (connection_id, next_sync_at) SELECT id, now() + random() * interval '1 day' FROM connections`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE asset_syncs');
    await q.query('DROP TABLE connection_assets');
  }
}
