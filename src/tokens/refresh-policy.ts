import { backoffMs } from '../common/backoff.js';
import type { Connection } from '../connections/connection.entity.js';
import { PREWARM_MIN_INTERVAL_MS, type RefreshDueSettings } from '../connections/refresh-due.js';
import type { ProviderConfig } from '../providers/provider.types.js';

type DueFields = Pick<
  Connection,
  'refreshToken' | 'accessTokenExpiresAt' | 'accessTokenIssuedAt' | 'connectedAt' | 'refreshTokenExpiresAt' | 'lastRefreshedAt'
>;

/** When a token should be refreshed, and whether it can be. Pure, so it is tested directly. */
export const RefreshPolicy = {
  /** The refresh window, capped at half the token's lifetime so short-lived tokens are not refreshed on every call. */
  effectiveWindow(c: Pick<Connection, 'accessTokenExpiresAt' | 'accessTokenIssuedAt' | 'connectedAt'>, windowMs: number): number {
    if (!c.accessTokenExpiresAt) return 0;
    const issued = (c.accessTokenIssuedAt ?? c.connectedAt).getTime();
    const lifetime = c.accessTokenExpiresAt.getTime() - issued;
    return lifetime > 0 ? Math.min(windowMs, lifetime / 2) : windowMs;
  },

  expiresWithin(c: Pick<Connection, 'accessTokenExpiresAt' | 'accessTokenIssuedAt' | 'connectedAt'>, windowMs: number, now = Date.now()): boolean {
    if (!c.accessTokenExpiresAt) return false; // a token without expiry is refreshed only for idleness
    return c.accessTokenExpiresAt.getTime() - now < RefreshPolicy.effectiveWindow(c, windowMs);
  },

  /**
   * When the scheduler is to refresh this connection next (status and backoff aside): the rule of
   * src/connections/refresh-due.ts as a time, the earliest of
   * - the access token's expiry minus SCHEDULED_REFRESH_WINDOW capped at half its life, when the
   *   access token is all the connection has;
   * - its expiry minus that window capped also at its lifetime minus PREWARM_MIN_INTERVAL, when
   *   the token lives longer than that;
   * - the middle of the refresh token's life (since the last refresh);
   * - the last refresh plus REFRESH_IDLE_MAX.
   * A connection is due once this moment has passed.
   */
  scheduledDueAt(c: DueFields, settings: RefreshDueSettings): Date {
    const last = (c.lastRefreshedAt ?? c.connectedAt).getTime();
    const candidates = [last + settings.idleMaxMs];
    if (c.accessTokenExpiresAt) {
      const expires = c.accessTokenExpiresAt.getTime();
      const lifetime = expires - (c.accessTokenIssuedAt ?? c.connectedAt).getTime();
      if (c.refreshToken === null) candidates.push(expires - RefreshPolicy.effectiveWindow(c, settings.scheduledWindowMs));
      if (lifetime > PREWARM_MIN_INTERVAL_MS) candidates.push(expires - Math.min(settings.scheduledWindowMs, lifetime / 2, lifetime - PREWARM_MIN_INTERVAL_MS));
    }
    if (c.refreshTokenExpiresAt) candidates.push((c.refreshTokenExpiresAt.getTime() + last) / 2);
    return new Date(Math.min(...candidates));
  },

  /** Whether the scheduler claims this connection now (what refreshDueSql selects). */
  scheduledDue(c: DueFields & Pick<Connection, 'status' | 'nextRetryAt'>, settings: RefreshDueSettings, now = Date.now()): boolean {
    if (c.status !== 'active' || (c.nextRetryAt !== null && c.nextRetryAt.getTime() > now)) return false;
    return RefreshPolicy.scheduledDueAt(c, settings).getTime() < now;
  },

  isExpired(c: Pick<Connection, 'accessTokenExpiresAt'>, now = Date.now()): boolean {
    return c.accessTokenExpiresAt !== null && c.accessTokenExpiresAt.getTime() <= now;
  },

  /** Whether this connection has what its provider needs to renew it without the user (at some point). */
  renewable(c: Pick<Connection, 'refreshToken'>, p: Pick<ProviderConfig, 'refresh'>): boolean {
    return p.refresh === 'access_token' || (p.refresh === 'refresh_token' && c.refreshToken !== null);
  },

  /** Whether this connection can be refreshed now without the user (renewable, and old enough for its provider). */
  canRefresh(
    c: Pick<Connection, 'refreshToken' | 'accessTokenIssuedAt' | 'connectedAt'>,
    p: Pick<ProviderConfig, 'refresh' | 'minRefreshAgeMs'>,
    now = Date.now(),
  ): boolean {
    return RefreshPolicy.renewable(c, p) && now - (c.accessTokenIssuedAt ?? c.connectedAt).getTime() >= p.minRefreshAgeMs;
  },

  /** Exponential backoff with full jitter, at least the provider's Retry-After. */
  backoffMs(consecutiveFailures: number, retryAfterMs = 0, random = Math.random): number {
    return Math.max(backoffMs(consecutiveFailures - 1, { baseMs: 30_000, maxMs: 3_600_000, jitter: 0.5, random }), retryAfterMs);
  },
};
