import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { affectedRows } from '../common/query-result.js';
import { redactString } from '../common/redact.js';
import { escapeControl, truncateCodePoints } from '../common/safe-text.js';

export type RefreshTrigger = 'lazy' | 'scheduled' | 'admin';

export type RefreshAttempt = { connectionId: string; platform: string; trigger: RefreshTrigger; outcome: 'success' | 'failure'; durationMs: number };

export type FailureRecord = {
  connectionId: string;
  platform: string;
  userId: string;
  trigger: RefreshTrigger;
  failureClass: string;
  providerCode?: string;
  httpStatus?: number;
  message: string;
};

/** refresh_failures (every failed refresh) and refresh_log (every attempt, for admin charts). */
@Injectable()
export class RefreshHistoryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async recordFailure(manager: EntityManager, f: FailureRecord): Promise<void> {
    await manager.query(
      `INSERT INTO refresh_failures (connection_id, platform, user_id, trigger, failure_class, provider_code, http_status, message)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        f.connectionId,
        f.platform,
        f.userId,
        f.trigger,
        f.failureClass,
        f.providerCode ?? null,
        f.httpStatus ?? null,
        truncateCodePoints(escapeControl(redactString(f.message)), 500),
      ],
    );
  }

  async recordAttempt(manager: EntityManager, a: RefreshAttempt): Promise<void> {
    await manager.query('INSERT INTO refresh_log (connection_id, platform, trigger, outcome, duration_ms) VALUES ($1, $2, $3, $4, $5)', [
      a.connectionId,
      a.platform,
      a.trigger,
      a.outcome,
      Math.round(a.durationMs),
    ]);
  }

  /**
   * Several attempts in one statement (a scheduler run's, see RefreshAttemptBatch). A connection
   * deleted since its attempt is logged without it, as its deletion would have left it.
   */
  async recordAttempts(attempts: (RefreshAttempt & { occurredAt: Date })[]): Promise<void> {
    if (attempts.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO refresh_log (connection_id, platform, trigger, outcome, duration_ms, occurred_at)
       SELECT (SELECT c.id FROM connections c WHERE c.id = a.connection_id), a.platform, a.trigger, a.outcome, a.duration_ms, a.occurred_at
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[]) AS a(connection_id, platform, trigger, outcome, duration_ms, occurred_at)`,
      [
        attempts.map((a) => a.connectionId),
        attempts.map((a) => a.platform),
        attempts.map((a) => a.trigger),
        attempts.map((a) => a.outcome),
        attempts.map((a) => Math.round(a.durationMs)),
        attempts.map((a) => a.occurredAt),
      ],
    );
  }

  /** Retention: up to `limit` of the oldest attempts older than `ageMs` (ix_refresh_log_time, read backwards, then the primary key). */
  async deleteAttemptsOlderThan(ageMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(
        `DELETE FROM refresh_log WHERE id = ANY(ARRAY(
           SELECT id FROM refresh_log WHERE occurred_at < now() - $1::bigint * interval '1 millisecond' ORDER BY occurred_at LIMIT $2))`,
        [ageMs, limit],
      ),
    );
  }

  /** Retention: up to `limit` of the oldest failures older than `ageMs` (ix_refresh_failures_time, read backwards, then the primary key). */
  async deleteFailuresOlderThan(ageMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(
        `DELETE FROM refresh_failures WHERE id = ANY(ARRAY(
           SELECT id FROM refresh_failures WHERE occurred_at < now() - $1::bigint * interval '1 millisecond' ORDER BY occurred_at, id LIMIT $2))`,
        [ageMs, limit],
      ),
    );
  }
}
