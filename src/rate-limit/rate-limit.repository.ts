import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { affectedRows } from '../common/query-result.js';

/** Named queries on rate_limits. The database clock decides windows, so instances agree. */
@Injectable()
export class RateLimitRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Counts one hit atomically (one upsert, so parallel hits get distinct counts) and returns the count so far in this window. */
  async hit(bucket: string, keyHash: string, windowMs: number): Promise<{ hits: number; resetInMs: number }> {
    const [row] = (await this.dataSource.query(
      `INSERT INTO rate_limits AS r (bucket, key_hash, hits, reset_at)
       VALUES ($1, $2, 1, now() + $3::integer * interval '1 millisecond')
       ON CONFLICT (bucket, key_hash) DO UPDATE SET
         hits = CASE WHEN r.reset_at <= now() THEN 1 ELSE r.hits + 1 END,
         reset_at = CASE WHEN r.reset_at <= now() THEN excluded.reset_at ELSE r.reset_at END
       RETURNING hits, ceil(extract(epoch FROM (reset_at - now())) * 1000)::integer AS reset_in_ms`,
      [bucket, keyHash, windowMs],
    )) as { hits: number; reset_in_ms: number }[];
    return { hits: Number(row!.hits), resetInMs: Math.max(0, Number(row!.reset_in_ms)) };
  }

  async reset(bucket: string, keyHash: string): Promise<void> {
    await this.dataSource.query('DELETE FROM rate_limits WHERE bucket = $1 AND key_hash = $2', [bucket, keyHash]);
  }

  /** Deletes up to `limit` counters whose window has ended (ix_rate_limits_reset). */
  async deleteExpired(limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(
        `DELETE FROM rate_limits WHERE (bucket, key_hash) IN (
           SELECT bucket, key_hash FROM rate_limits WHERE reset_at < now() ORDER BY reset_at LIMIT $1)`,
        [limit],
      ),
    );
  }
}
