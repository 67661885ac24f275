import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, type Page, toPage } from '../common/keyset-cursor.js';
import { resultRows } from '../common/query-result.js';
import { sqlParams } from '../common/sql-params.js';
import { RefreshLog } from './refresh-log.entity.js';

export type RefreshFailureRow = {
  id: string;
  connection_id: string | null;
  platform: string;
  user_id: string;
  occurred_at: Date;
  trigger: string;
  failure_class: string;
  provider_code: string | null;
  http_status: number | null;
  message: string;
  sort_key?: string;
};

export type FailureFilter = { platform?: string; failureClass?: string; connectionId?: string; from?: string; to?: string; limit?: number; cursor?: string };

export type HourlyRefreshes = { hour: Date; refreshes: number; failures: number };

/** The admin API's read model of refresh_log and refresh_failures (written by RefreshHistoryRepository). */
@Injectable()
export class RefreshHistoryQueryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The latest attempts of one connection (ix_refresh_log_connection). */
  history(connectionId: string, limit = 50): Promise<Pick<RefreshLog, 'occurredAt' | 'trigger' | 'outcome' | 'durationMs'>[]> {
    return this.dataSource.getRepository(RefreshLog).find({
      select: { occurredAt: true, trigger: true, outcome: true, durationMs: true },
      where: { connectionId },
      order: { occurredAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  /** When an admin last forced a refresh of this connection (the cooldown). */
  async lastAdminRefresh(connectionId: string): Promise<Date | null> {
    const last = await this.dataSource
      .getRepository(RefreshLog)
      .findOne({ select: { occurredAt: true }, where: { connectionId, trigger: 'admin' }, order: { occurredAt: 'DESC' } });
    return last?.occurredAt ?? null;
  }

  /** Failures newest first, keyset-paginated on (occurred_at, id). */
  async listFailures(q: FailureFilter): Promise<Page<RefreshFailureRow>> {
    const where: string[] = [];
    const { params, p } = sqlParams();
    if (q.platform) where.push(`platform = ${p(q.platform)}`);
    if (q.failureClass) where.push(`failure_class = ${p(q.failureClass)}`);
    if (q.connectionId) where.push(`connection_id = ${p(q.connectionId)}`);
    if (q.from) where.push(`occurred_at >= ${p(q.from)}::timestamptz`);
    if (q.to) where.push(`occurred_at < ${p(q.to)}::timestamptz`);
    const limit = q.limit ?? 50;
    if (q.cursor) {
      const [key, id] = decodeCursor(q.cursor, 'refresh_failures');
      where.push(`(occurred_at, id) < (${p(key)}::timestamptz, ${p(id)}::bigint)`);
    }
    const sql = `SELECT id, connection_id, platform, user_id, occurred_at, trigger, failure_class, provider_code, http_status, message, occurred_at::text AS sort_key
      FROM refresh_failures ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY occurred_at DESC, id DESC LIMIT ${limit + 1}`;
    return toPage(resultRows<RefreshFailureRow>(await this.dataSource.query(sql, params)), limit, 'refresh_failures');
  }

  /** Successes and failures per hour over the last 24 hours (ix_refresh_log_time). */
  async hourly(): Promise<HourlyRefreshes[]> {
    return resultRows<HourlyRefreshes>(
      await this.dataSource.query(
        `SELECT date_trunc('hour', occurred_at) AS hour, count(*) FILTER (WHERE outcome = 'success')::int AS refreshes, count(*) FILTER (WHERE outcome = 'failure')::int AS failures
         FROM refresh_log WHERE occurred_at > now() - interval '24 hours' GROUP BY 1 ORDER BY 1`,
      ),
    );
  }
}
