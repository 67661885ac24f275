import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { resultRows } from '../common/query-result.js';
import { AssetSync } from './asset-sync.entity.js';

/** The only queries of asset_syncs. */
@Injectable()
export class AssetSyncRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  find(connectionId: string): Promise<AssetSync | null> {
    return this.dataSource.getRepository(AssetSync).findOneBy({ connectionId });
  }

  /** Syncs the connection at `at` at the latest (a sooner time already set stays). */
  async scheduleBy(connectionId: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO asset_syncs (connection_id, next_sync_at) VALUES ($1, $2)
       ON CONFLICT (connection_id) DO UPDATE SET next_sync_at = least(asset_syncs.next_sync_at, EXCLUDED.next_sync_at)`,
      [connectionId, at],
    );
  }

  /**
   * Up to `limit` connections due for a sync, each pushed `leaseMs` ahead so no other instance takes
   * it meanwhile: an index range on ix_asset_syncs_due, whatever the table's size.
   */
  async claimDue(limit: number, leaseMs: number): Promise<string[]> {
    const rows = await this.dataSource.query(
      `UPDATE asset_syncs SET next_sync_at = now() + $2::bigint * interval '1 millisecond'
       WHERE connection_id = ANY(ARRAY(
         SELECT connection_id FROM asset_syncs WHERE next_sync_at <= now() ORDER BY next_sync_at LIMIT $1 FOR UPDATE SKIP LOCKED))
       RETURNING connection_id`,
      [limit, leaseMs],
    );
    return resultRows<{ connection_id: string }>(rows).map((r) => r.connection_id);
  }

  /** When the listing last applied started (in the caller's transaction, under the connection's lock). */
  async syncedAt(m: EntityManager, connectionId: string): Promise<Date | null> {
    const [row] = resultRows<{ synced_at: Date | null }>(await m.query('SELECT synced_at FROM asset_syncs WHERE connection_id = $1', [connectionId]));
    return row?.synced_at ?? null;
  }

  /** `listedAt`: when the applied listing started, so a listing started earlier is known to be older. */
  async recordSuccess(m: EntityManager, connectionId: string, listedAt: Date, next: Date): Promise<void> {
    await m.query(
      `INSERT INTO asset_syncs (connection_id, next_sync_at, synced_at, failures, last_error) VALUES ($1, $2, $3, 0, NULL)
       ON CONFLICT (connection_id) DO UPDATE SET next_sync_at = EXCLUDED.next_sync_at, synced_at = EXCLUDED.synced_at, failures = 0, last_error = NULL`,
      [connectionId, next, listedAt],
    );
  }

  /** Returns the consecutive failures, this one included. */
  async recordFailure(connectionId: string, failureClass: string, retryAt: (failures: number) => Date): Promise<number> {
    const [row] = resultRows<{ failures: number }>(
      await this.dataSource.query(
        `INSERT INTO asset_syncs (connection_id, failures, last_error) VALUES ($1, 1, $2)
         ON CONFLICT (connection_id) DO UPDATE SET failures = asset_syncs.failures + 1, last_error = EXCLUDED.last_error
         RETURNING failures`,
        [connectionId, failureClass],
      ),
    );
    const failures = row?.failures ?? 1;
    await this.dataSource.query('UPDATE asset_syncs SET next_sync_at = $2 WHERE connection_id = $1', [connectionId, retryAt(failures)]);
    return failures;
  }

  /** The connection's grant reaches no assets: nothing to sync until it is connected again. */
  async delete(m: EntityManager, connectionId: string): Promise<void> {
    await m.query('DELETE FROM asset_syncs WHERE connection_id = $1', [connectionId]);
  }
}
