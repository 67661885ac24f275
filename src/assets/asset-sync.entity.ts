import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { Connection } from '../connections/connection.entity.js';

/**
 * When a connection's assets are listed again (migration 1764001600000): one row per connection
 * whose grant reaches assets, claimed by an index range on `next_sync_at`.
 */
@Entity({ name: 'asset_syncs' })
@Index('ix_asset_syncs_due', ['nextSyncAt'])
export class AssetSync {
  @PrimaryColumn({ name: 'connection_id', type: 'uuid' })
  @ForeignKey(() => Connection, { name: 'asset_syncs_connection_id_fkey', onDelete: 'CASCADE' })
  connectionId!: string;

  @Column({ name: 'next_sync_at', type: 'timestamptz', default: () => 'now()' })
  nextSyncAt!: Date;

  @Column({ name: 'synced_at', type: 'timestamptz', nullable: true })
  syncedAt!: Date | null;

  @Column({ type: 'integer', default: 0 })
  failures!: number;

  /** The failure class of the last failed sync (never a provider message). */
  @Column({ name: 'last_error', type: 'varchar', length: 64, nullable: true })
  lastError!: string | null;
}
