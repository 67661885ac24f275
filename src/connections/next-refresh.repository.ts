import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { resultRows } from '../common/query-result.js';
import { NEXT_REFRESH_FUNCTION, nextRefreshBackfillSql, nextRefreshFunctionBody, nextRefreshFunctionSql, type RefreshDueSettings } from './refresh-due.js';

// Two instances starting with new settings at once: one installs, the other finds it done.
const INSTALL_LOCK = 7_301_955_216;

/** The trigger function that keeps `connections.next_refresh_at`, and recomputing the column. */
@Injectable()
export class NextRefreshRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Installs the function for `settings` unless it is installed already; true when it was replaced. */
  install(settings: RefreshDueSettings): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [INSTALL_LOCK]);
      const [row] = resultRows<{ prosrc: string }>(await m.query('SELECT prosrc FROM pg_proc WHERE proname = $1', [NEXT_REFRESH_FUNCTION]));
      if (row?.prosrc === nextRefreshFunctionBody(settings)) return false;
      await m.query(nextRefreshFunctionSql(settings));
      return true;
    });
  }

  /** Recomputes the next `limit` rows after id `after` (keyset); returns how many and the last id. */
  async recomputeBatch(settings: RefreshDueSettings, after: string, limit: number): Promise<{ n: number; last: string | null }> {
    const [row] = resultRows<{ n: number; last: string | null }>(await this.dataSource.query(nextRefreshBackfillSql(settings), [after, limit]));
    return row ?? { n: 0, last: null };
  }
}
