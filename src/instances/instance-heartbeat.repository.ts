import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { affectedRows, resultRows } from '../common/query-result.js';

/** Named queries on instance_heartbeats. The database clock decides, so instances agree. */
@Injectable()
export class InstanceHeartbeatRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Registers or beats (an upsert, so a row deleted meanwhile comes back). */
  async beat(instanceId: string, process: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO instance_heartbeats (instance_id, process) VALUES ($1, $2)
       ON CONFLICT (instance_id) DO UPDATE SET beat_at = now()`,
      [instanceId, process],
    );
  }

  /** Whether the instance has not beaten for `deadAfterMs`; undefined when it never registered (primary key). */
  async isStale(instanceId: string, deadAfterMs: number): Promise<boolean | undefined> {
    const [row] = resultRows<{ stale: boolean }>(
      await this.dataSource.query(`SELECT beat_at < now() - $2::integer * interval '1 millisecond' AS stale FROM instance_heartbeats WHERE instance_id = $1`, [
        instanceId,
        deadAfterMs,
      ]),
    );
    return row?.stale;
  }

  /** Retention: up to `limit` instances silent for `ageMs` (ix_instance_heartbeats_beat, then the primary key). */
  async deleteSilentFor(ageMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(
        `DELETE FROM instance_heartbeats WHERE instance_id = ANY(ARRAY(
           SELECT instance_id FROM instance_heartbeats WHERE beat_at < now() - $1::bigint * interval '1 millisecond' ORDER BY beat_at LIMIT $2))`,
        [ageMs, limit],
      ),
    );
  }
}
