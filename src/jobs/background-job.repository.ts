import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { affectedRows, resultRows } from '../common/query-result.js';

export type FinishedJob<T> = { result: T; finishedAt: Date };

/**
 * Named queries on background_jobs. The database clock decides leases and intervals, so instances
 * agree. A plain class too: the key-rotation command stores its counts without the app.
 */
@Injectable()
export class BackgroundJobRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Takes the job's lease for `owner` when nobody holds it (or the holder's lease ran out) and the
   * last run finished at least `everyMs` ago. One statement: of several instances asking at once,
   * exactly one gets it.
   */
  async tryLease(name: string, owner: string, leaseMs: number, everyMs: number): Promise<boolean> {
    const rows = await this.dataSource.query(
      `INSERT INTO background_jobs AS j (name, lease_owner, lease_expires_at) VALUES ($1, $2, now() + $3::integer * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET lease_owner = excluded.lease_owner, lease_expires_at = excluded.lease_expires_at
       WHERE (j.lease_owner IS NULL OR j.lease_expires_at < now())
         AND (j.finished_at IS NULL OR j.finished_at <= now() - $4::integer * interval '1 millisecond')
       RETURNING name`,
      [name, owner, leaseMs, everyMs],
    );
    return resultRows(rows).length === 1;
  }

  /** Ends `owner`'s run with its result; false when the lease was lost meanwhile (the result is dropped). */
  async finish(name: string, owner: string, result: unknown): Promise<boolean> {
    return (
      affectedRows(
        await this.dataSource.query(
          'UPDATE background_jobs SET lease_owner = NULL, lease_expires_at = NULL, finished_at = now(), result = $3::jsonb WHERE name = $1 AND lease_owner = $2',
          [name, owner, JSON.stringify(result ?? null)],
        ),
      ) === 1
    );
  }

  /** Gives the lease back after a failed run; the last result and finish time stay. */
  async release(name: string, owner: string): Promise<void> {
    await this.dataSource.query('UPDATE background_jobs SET lease_owner = NULL, lease_expires_at = NULL WHERE name = $1 AND lease_owner = $2', [name, owner]);
  }

  /**
   * Records a result computed elsewhere (the key-rotation command's counts) as the latest run. A
   * run in progress loses its lease, so its older result cannot overwrite this one.
   */
  async store(name: string, result: unknown): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO background_jobs (name, finished_at, result) VALUES ($1, now(), $2::jsonb)
       ON CONFLICT (name) DO UPDATE SET finished_at = now(), result = excluded.result, lease_owner = NULL, lease_expires_at = NULL`,
      [name, JSON.stringify(result ?? null)],
    );
  }

  async latest<T>(name: string): Promise<FinishedJob<T> | undefined> {
    const [row] = resultRows<{ result: T; finished_at: Date }>(
      await this.dataSource.query('SELECT result, finished_at FROM background_jobs WHERE name = $1 AND finished_at IS NOT NULL', [name]),
    );
    return row && { result: row.result, finishedAt: new Date(row.finished_at) };
  }
}
