import { backoffMs } from '../common/backoff.js';
import type { Connection } from '../connections/connection.entity.js';
import type { ProviderConfig } from '../providers/provider.types.js';

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
