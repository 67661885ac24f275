import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { resultRows } from '../common/query-result.js';
import { sqlParams } from '../common/sql-params.js';
import { expiringSql, grantEndsSql, type RenewalModes } from './expiring.js';

export type ExpiryWarning = {
  id: string;
  user_id: string;
  platform: string;
  account_id: string | null;
  ends_at: Date;
  stage: number;
  refresh_token_ends: boolean;
};

const FINAL_MS = 86_400_000; // the second warning: one day before

@Injectable()
export class ExpiryWarningRepository {
  /**
   * Marks up to `limit` expiring connections whose warning for their current end date and stage
   * was not sent yet (stage 1 inside the warning window, stage 2 inside the last day), and returns
   * them: the caller enqueues the events in the same transaction. A new end date (a reconnect, a
   * rotated refresh token) starts the warnings again.
   */
  async markDue(m: EntityManager, modes: RenewalModes, warningMs: number, limit: number): Promise<ExpiryWarning[]> {
    const { params, p } = sqlParams();
    const ends = grantEndsSql(modes, p);
    const stage = `(CASE WHEN ${ends} < now() + ${p(FINAL_MS)} * interval '1 millisecond' THEN 2 ELSE 1 END)`;
    const sql = `
      WITH due AS (
        SELECT c.id, ${ends} AS ends_at, ${stage} AS stage FROM connections c
        WHERE ${expiringSql(modes, warningMs, p)} AND (c.expiry_warned_until IS DISTINCT FROM ${ends} OR c.expiry_warned < ${stage})
        LIMIT ${p(limit)})
      UPDATE connections c SET expiry_warned = due.stage, expiry_warned_until = due.ends_at FROM due WHERE c.id = due.id
      RETURNING c.id, c.user_id, c.platform, c.account_id, due.ends_at, due.stage, (due.ends_at = c.refresh_token_expires_at) AS refresh_token_ends`;
    return resultRows<ExpiryWarning>(await m.query(sql, params));
  }
}
