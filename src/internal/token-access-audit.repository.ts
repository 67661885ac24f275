import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, type Page, toPage } from '../common/keyset-cursor.js';
import { affectedRows, resultRows } from '../common/query-result.js';
import { sqlParams } from '../common/sql-params.js';
import { TokenAccessAudit } from './token-access-audit.entity.js';

export type AuditRow = { id: string; service: string; user_id: string; platform: string; accessed_at: Date; sort_key?: string };

export type AuditFilter = { service?: string; userId?: string; platform?: string; limit?: number; cursor?: string };

/** token_access_audit: written in batches by TokenAuditService, read by the admin API. */
@Injectable()
export class TokenAccessAuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One INSERT per batch, four array parameters whatever its size (the query builder spent about
   * 3 % of an internal-token call's CPU building thousand-row statements).
   */
  async insertBatch(entries: Pick<TokenAccessAudit, 'service' | 'userId' | 'platform' | 'accessedAt'>[]): Promise<void> {
    if (entries.length === 0) return;
    await this.dataSource.query(
      'INSERT INTO token_access_audit (service, user_id, platform, accessed_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])',
      [entries.map((e) => e.service), entries.map((e) => e.userId), entries.map((e) => e.platform), entries.map((e) => e.accessedAt.toISOString())],
    );
  }

  /** Reads newest first, keyset-paginated on (accessed_at, id) (ix_token_access_audit_time). */
  async list(q: AuditFilter): Promise<Page<AuditRow>> {
    const where: string[] = [];
    const { params, p } = sqlParams();
    if (q.service) where.push(`service = ${p(q.service)}`);
    if (q.userId) where.push(`user_id = ${p(q.userId)}`);
    if (q.platform) where.push(`platform = ${p(q.platform)}`);
    const limit = q.limit ?? 50;
    if (q.cursor) {
      const [key, id] = decodeCursor(q.cursor, 'token_access_audit');
      where.push(`(accessed_at, id) < (${p(key)}::timestamptz, ${p(id)}::bigint)`);
    }
    const sql = `SELECT id, service, user_id, platform, accessed_at, accessed_at::text AS sort_key
      FROM token_access_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY accessed_at DESC, id DESC LIMIT ${limit + 1}`;
    return toPage(resultRows<AuditRow>(await this.dataSource.query(sql, params)), limit, 'token_access_audit');
  }

  /**
   * Retention: deletes up to `limit` of the oldest reads older than `ageMs` (ix_token_access_audit_time,
   * read backwards, then the primary key: `IN (subquery)` was planned as a hash join over the whole table).
   */
  async deleteOlderThan(ageMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(
        `DELETE FROM token_access_audit WHERE id = ANY(ARRAY(
           SELECT id FROM token_access_audit WHERE accessed_at < now() - $1::bigint * interval '1 millisecond' ORDER BY accessed_at, id LIMIT $2))`,
        [ageMs, limit],
      ),
    );
  }
}
