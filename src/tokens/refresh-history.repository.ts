import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { redactString } from '../common/redact.js';
import { escapeControl, truncateCodePoints } from '../common/safe-text.js';

export type RefreshTrigger = 'lazy' | 'scheduled' | 'admin';

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
  async recordFailure(manager: EntityManager, f: FailureRecord): Promise<void> {
    await manager.query(
      `INSERT INTO refresh_failures (connection_id, platform, user_id, trigger, failure_class, provider_code, http_status, message)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [f.connectionId, f.platform, f.userId, f.trigger, f.failureClass, f.providerCode ?? null, f.httpStatus ?? null, truncateCodePoints(escapeControl(redactString(f.message)), 500)],
    );
  }

  async recordAttempt(manager: EntityManager, a: { connectionId: string; platform: string; trigger: RefreshTrigger; outcome: 'success' | 'failure'; durationMs: number }): Promise<void> {
    await manager.query('INSERT INTO refresh_log (connection_id, platform, trigger, outcome, duration_ms) VALUES ($1, $2, $3, $4, $5)', [
      a.connectionId,
      a.platform,
      a.trigger,
      a.outcome,
      Math.round(a.durationMs),
    ]);
  }
}
