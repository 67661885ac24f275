import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { affectedRows } from '../common/query-result.js';
import { Secret } from '../crypto/secret.js';
import type { DiscoveredAsset } from '../providers/provider.types.js';
import { ConnectionAsset } from './connection-asset.entity.js';

const addSeconds = (s: number | undefined) => (s === undefined ? null : new Date(Date.now() + s * 1000));

/** The columns a listing sets, as the provider gives them now. */
const listedFields = (d: DiscoveredAsset) => ({
  name: d.name,
  pictureUrl: d.pictureUrl,
  capabilities: d.capabilities,
  accessToken: d.accessToken === undefined ? null : Secret.fromPlaintext(d.accessToken),
  accessTokenExpiresAt: addSeconds(d.accessTokenExpiresIn),
  status: 'active' as const,
});

/** The only queries of connection_assets. */
@Injectable()
export class ConnectionAssetRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A connection's assets, active first (uq_connection_assets_external serves the connection). */
  listForConnection(connectionId: string, m: EntityManager = this.dataSource.manager): Promise<ConnectionAsset[]> {
    return m
      .getRepository(ConnectionAsset)
      .createQueryBuilder('a')
      .where('a.connection_id = :connectionId', { connectionId })
      .orderBy('a.status', 'ASC')
      .addOrderBy('a.kind', 'ASC')
      .addOrderBy('a.name', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .getMany();
  }

  findById(id: string): Promise<ConnectionAsset | null> {
    return this.dataSource.getRepository(ConnectionAsset).findOneBy({ id });
  }

  /** Concurrent syncs of one connection (a user's and the scheduler's) take turns, in the caller's transaction. */
  async lockConnection(m: EntityManager, connectionId: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('connection_assets:' || $1, 0))`, [connectionId]);
  }

  async insert(m: EntityManager, connectionId: string, d: DiscoveredAsset): Promise<ConnectionAsset> {
    const repo = m.getRepository(ConnectionAsset);
    return repo.save(repo.create({ connectionId, kind: d.kind, externalId: d.externalId, ...listedFields(d) }));
  }

  /** Listed again: its fields and token as the provider gives them now, active again if it was removed. */
  async refresh(m: EntityManager, id: string, d: DiscoveredAsset): Promise<void> {
    await m.getRepository(ConnectionAsset).update({ id }, { ...listedFields(d), removedAt: null, seenAt: new Date() });
  }

  /** No longer listed: kept (removed, token dropped) for ASSET_RETENTION. */
  async markRemoved(m: EntityManager, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await m.query(
      `UPDATE connection_assets SET status = 'removed', removed_at = now(), access_token = NULL, access_token_expires_at = NULL WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  }

  /** Retention: up to `limit` assets removed more than `retentionMs` ago (ix_connection_assets_removed). */
  async deleteRemoved(retentionMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(
        `DELETE FROM connection_assets WHERE id = ANY(ARRAY(
           SELECT id FROM connection_assets WHERE status = 'removed' AND removed_at < now() - $1::bigint * interval '1 millisecond'
           ORDER BY removed_at LIMIT $2))`,
        [retentionMs, limit],
      ),
    );
  }
}
