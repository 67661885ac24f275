import type { AppConfig } from '../config/config.types.js';

/**
 * The scheduler refreshes a token ahead of its expiry at most once per this interval (twice a day):
 * its window is capped at the token's lifetime minus this, so shorter-lived tokens whose refresh
 * token outlives them are refreshed when someone asks for them. Keeping a connection alive (an
 * access token that is its own renewal credential, a refresh token past half its life, idleness)
 * is not bound by it.
 */
export const PREWARM_MIN_INTERVAL_MS = 12 * 3_600_000;

/** The part of the configuration that says when a connection is due. */
export type RefreshDueSettings = Pick<AppConfig['refresh'], 'scheduledWindowMs' | 'idleMaxMs'>;

/**
 * THE definition of a connection "due" for refresh, used by the scheduler's claim, the admin
 * summary's and filter's "expiring", and the backlog gauge: active, not in backoff, and
 * - its access token is all it has (no refresh token: Instagram) and expires within
 *   SCHEDULED_REFRESH_WINDOW capped at half its lifetime, as the lazy window is; or
 * - its access token expires within that window capped also at its lifetime minus
 *   PREWARM_MIN_INTERVAL, so refreshing ahead of expiry comes at most twice a day; a token living no
 *   longer than that (X's 2 hours, Google's 1 hour) is not refreshed ahead while its refresh token
 *   lives on: a job asking for it gets it refreshed on demand; or
 * - its refresh token is past half its life; or it was not refreshed for REFRESH_IDLE_MAX.
 * RefreshPolicy.scheduledDueAt is the same rule as a time (what a stored `next_refresh_at` would
 * hold); test/integration/refresh-due.spec.ts holds the two to each other.
 *
 * A SQL condition on the `connections` row `alias`; `param` adds a bound parameter and returns its
 * placeholder. The expiry branches share the plain bound `access_token_expires_at < now() + window`,
 * which the expiry index (ix_connections_due) serves; the caps only filter what it returns.
 */
export function refreshDueSql(settings: RefreshDueSettings, param: (value: unknown) => string, alias = 'c'): string {
  const col = (name: string) => `${alias}.${name}`;
  const ms = (value: number) => `${param(value)} * interval '1 millisecond'`;
  const lastRefresh = `coalesce(${col('last_refreshed_at')}, ${col('connected_at')})`;
  const expires = col('access_token_expires_at');
  const window = ms(settings.scheduledWindowMs);
  const minInterval = ms(PREWARM_MIN_INTERVAL_MS);
  const lifetime = `(${expires} - coalesce(${col('access_token_issued_at')}, ${col('connected_at')}))`;
  const keepAliveWindow = `(CASE WHEN ${lifetime} > interval '0' THEN least(${window}, ${lifetime} / 2) ELSE ${window} END)`;
  const prewarmWindow = `least(${window}, ${lifetime} / 2, ${lifetime} - ${minInterval})`;
  return `(${col('status')} = 'active'
    AND (${col('next_retry_at')} IS NULL OR ${col('next_retry_at')} <= now())
    AND ((${expires} < now() + ${window}
        AND ((${col('refresh_token')} IS NULL AND ${expires} < now() + ${keepAliveWindow})
          OR (${lifetime} > ${minInterval} AND ${expires} < now() + ${prewarmWindow})))
      OR ${col('refresh_token_expires_at')} < now() + (${col('refresh_token_expires_at')} - ${lastRefresh}) / 2
      OR ${lastRefresh} < now() - ${ms(settings.idleMaxMs)}))`;
}
