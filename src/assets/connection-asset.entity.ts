import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Connection } from '../connections/connection.entity.js';
import { encryptedColumn } from '../crypto/encrypted-column.transformer.js';
import type { Secret } from '../crypto/secret.js';
import type { AssetCapability, AssetKind } from '../providers/provider.types.js';

export type AssetStatus = 'active' | 'removed';

/**
 * A Page, organisation or channel a connection can publish to (migration 1764001600000). Removed
 * assets are kept for ASSET_RETENTION, so a job asking for one hears `asset_removed`, not "unknown".
 */
@Entity({ name: 'connection_assets' })
@Check('ck_connection_assets_status', "status IN ('active', 'removed')")
@Index('uq_connection_assets_external', ['connectionId', 'kind', 'externalId'], { unique: true })
@Index('ix_connection_assets_removed', ['removedAt'], { where: "status = 'removed'" })
export class ConnectionAsset {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'connection_id', type: 'uuid' })
  @ForeignKey(() => Connection, { name: 'connection_assets_connection_id_fkey', onDelete: 'CASCADE' })
  connectionId!: string;

  @Column({ type: 'varchar', length: 32 })
  kind!: AssetKind;

  @Column({ name: 'external_id', type: 'varchar', length: 255 })
  externalId!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  name!: string | null;

  @Column({ name: 'picture_url', type: 'text', nullable: true })
  pictureUrl!: string | null;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  capabilities!: AssetCapability[];

  /** The asset's own token (a Facebook Page token), encrypted like every token. */
  @Column({ name: 'access_token', type: 'text', nullable: true, transformer: encryptedColumn })
  accessToken!: Secret | null;

  @Column({ name: 'access_token_expires_at', type: 'timestamptz', nullable: true })
  accessTokenExpiresAt!: Date | null;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: AssetStatus;

  @Column({ name: 'discovered_at', type: 'timestamptz', default: () => 'now()' })
  discoveredAt!: Date;

  /** The last sync that listed it. */
  @Column({ name: 'seen_at', type: 'timestamptz', default: () => 'now()' })
  seenAt!: Date;

  @Column({ name: 'removed_at', type: 'timestamptz', nullable: true })
  removedAt!: Date | null;
}
