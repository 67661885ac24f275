import type { AppConfig } from '../config/config.types.js';

/** The part of the configuration that says when a connection is due. */
export type RefreshDueSettings = Pick<AppConfig['refresh'], 'scheduledWindowMs' | 'idleMaxMs'>;

/**
 * THE definition of a connection "due" for refresh, used by the scheduler's claim, the admin
 * summary's and filter's "expiring", and the backlog gauge: active, not in backoff, and its access
 * token expires within SCHEDULED_REFRESH_WINDOW, or its refresh token is past half its life, or it
 * was not refreshed for REFRESH_IDLE_MAX. A SQL condition on the `connections` row `alias`; `param`
 * adds a bound parameter and returns its placeholder. (A stored `next_refresh_at` will replace it.)
 */
export function refreshDueSql(settings: RefreshDueSettings, param: (value: unknown) => string, alias = 'c'): string {
  const col = (name: string) => `${alias}.${name}`;
  const lastRefresh = `coalesce(${col('last_refreshed_at')}, ${col('connected_at')})`;
  return `(${col('status')} = 'active'
    AND (${col('next_retry_at')} IS NULL OR ${col('next_retry_at')} <= now())
    AND (${col('access_token_expires_at')} < now() + ${param(settings.scheduledWindowMs)} * interval '1 millisecond'
      OR ${col('refresh_token_expires_at')} < now() + (${col('refresh_token_expires_at')} - ${lastRefresh}) / 2
      OR ${lastRefresh} < now() - ${param(settings.idleMaxMs)} * interval '1 millisecond'))`;
}

