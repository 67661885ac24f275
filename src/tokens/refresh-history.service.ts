import { Injectable } from '@nestjs/common';
import type { Page } from '../common/keyset-cursor.js';
import { type FailureFilter, type HourlyRefreshes, RefreshHistoryQueryRepository, type RefreshFailureRow } from './refresh-history-query.repository.js';
import type { RefreshLog } from './refresh-log.entity.js';

export type { FailureFilter, HourlyRefreshes, RefreshFailureRow } from './refresh-history-query.repository.js';

/** The admin API's read model of refresh_log and refresh_failures (both written by this feature's refresh path). */
@Injectable()
export class RefreshHistoryService {
  constructor(private readonly queries: RefreshHistoryQueryRepository) {}

  /** The latest attempts of one connection. */
  history(connectionId: string, limit?: number): Promise<Pick<RefreshLog, 'occurredAt' | 'trigger' | 'outcome' | 'durationMs'>[]> {
    return this.queries.history(connectionId, limit);
  }

  /** When an admin last forced a refresh of this connection (the cooldown). */
  lastAdminRefresh(connectionId: string): Promise<Date | null> {
    return this.queries.lastAdminRefresh(connectionId);
  }

  /** Failures newest first, keyset-paginated. */
  listFailures(q: FailureFilter): Promise<Page<RefreshFailureRow>> {
    return this.queries.listFailures(q);
  }

  /** Successes and failures per hour over the last 24 hours. */
  hourly(): Promise<HourlyRefreshes[]> {
    return this.queries.hourly();
  }
}
