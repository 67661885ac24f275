import { Inject, Injectable } from '@nestjs/common';
import { ProviderBreakerService } from '../breaker/provider-breaker.service.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import type { Connection } from '../connections/connection.entity.js';
import { ProviderError } from '../providers/provider.exception.js';
import type { ProviderConfig } from '../providers/provider.types.js';
import type { RefreshTrigger } from './refresh-history.repository.js';
import { RefreshPolicy } from './refresh-policy.js';
import { type RefreshOptions, RefreshInProgressError, TokenRefreshService } from './token-refresh.service.js';

/** Failures after which an expired token is retried at the REFRESH_RETRY_FLOOR, not after the backoff (which honours a 429's Retry-After, or holds off operator errors). */
const FLOOR_CLASSES = new Set([null, 'transient', 'malformed']);

/**
 * What a caller got: the connection to serve (its token may be still valid, or expired), and for an
 * expired one when to retry, and whether another instance is still refreshing it.
 */
export type DemandResult = { connection: Connection; retryInMs?: number; inProgress?: boolean };

/**
 * The lazy refresh of a caller who needs a token now. A token in its refresh window is refreshed
 * unless the connection is in backoff or its provider's circuit breaker is open (then the
 * still-valid token is served). An expired one cannot be served, so it is retried on demand at
 * most every REFRESH_RETRY_FLOOR instead of waiting out the backoff, while the breaker is closed;
 * while it is open only the one caller holding the probe refreshes, and the others learn when the
 * next probe goes. Decided in memory: no query before the refresh itself.
 */
@Injectable()
export class DemandRefreshService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly refresher: TokenRefreshService,
    private readonly breaker: ProviderBreakerService,
  ) {}

  async refreshIfDue(c: Connection, provider: ProviderConfig, trigger: RefreshTrigger): Promise<DemandResult> {
    const now = Date.now();
    const { windowMs, retryFloorMs } = this.config.refresh;
    if (!RefreshPolicy.expiresWithin(c, windowMs, now) || !RefreshPolicy.canRefresh(c, provider, now)) return { connection: c };
    const expired = RefreshPolicy.isExpired(c, now);
    const gate = this.breaker.gate(c.platform, now);
    if (gate.open) {
      if (!expired || !gate.probeDue) return this.result(c);
      const probe = await this.breaker.claimProbe(c.platform);
      if (!probe) return this.result(c);
      try {
        return await this.send(c, trigger, { windowMs, floorMs: retryFloorMs });
      } finally {
        await this.breaker.releaseProbe(c.platform, probe);
      }
    }
    if (this.waitMs(c, expired, now) > 0) return this.result(c);
    return this.send(c, trigger, { windowMs, floorMs: expired ? retryFloorMs : undefined });
  }

  private async send(c: Connection, trigger: RefreshTrigger, opts: RefreshOptions): Promise<DemandResult> {
    try {
      return this.result(await this.refresher.refresh(c.id, trigger, opts));
    } catch (error) {
      if (error instanceof RefreshInProgressError) return { connection: c, retryInMs: this.config.refresh.retryFloorMs, inProgress: true };
      if (!(error instanceof ProviderError)) throw error;
      return this.result(c);
    }
  }

  private result(c: Connection): DemandResult {
    const now = Date.now();
    if (!RefreshPolicy.isExpired(c, now)) return { connection: c };
    const gate = this.breaker.gate(c.platform, now);
    return { connection: c, retryInMs: gate.open ? gate.retryInMs : Math.max(0, this.waitMs(c, true, now)) };
  }

  /** How long until a refresh of `c` may go (0: now): the retry floor for an expired token after a provider failure, else the backoff. */
  private waitMs(c: Connection, expired: boolean, now: number): number {
    if (expired && FLOOR_CLASSES.has(c.lastRefreshError)) {
      return c.refreshAttemptedAt ? c.refreshAttemptedAt.getTime() + this.config.refresh.retryFloorMs - now : 0;
    }
    return c.nextRetryAt ? c.nextRetryAt.getTime() - now : 0;
  }
}
