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

/** SCHEDULED_REFRESH_WINDOW's and REFRESH_IDLE_MAX's defaults: what the migration installs (the app reinstalls for others). */
export const DEFAULT_REFRESH_DUE_SETTINGS: RefreshDueSettings = { scheduledWindowMs: 6 * 3_600_000, idleMaxMs: 30 * 86_400_000 };

/** The trigger function that stores `next_refresh_at` on every insert and every update of an input below. */
export const NEXT_REFRESH_FUNCTION = 'connections_next_refresh_at';

/** The columns the rule reads: an update of any of them recomputes `next_refresh_at`. */
export const NEXT_REFRESH_INPUTS = [
  'status',
  'next_retry_at',
  'access_token_expires_at',
  'access_token_issued_at',
  'connected_at',
  'last_refreshed_at',
  'refresh_token',
  'refresh_token_expires_at',
] as const;

/**
 * THE definition of when a connection is due for refresh, as a time: `next_refresh_at`, stored with
 * the row by a trigger (NEXT_REFRESH_FUNCTION) on every write of an input, so the scheduler's claim
 * is an index range scan and the admin counts and the backlog gauge read the same column. It is
 * null unless the connection is active, else the latest of its backoff (`next_retry_at`) and the
 * earliest of
 * - its access token's expiry minus SCHEDULED_REFRESH_WINDOW capped at half its lifetime, when the
 *   access token is all it has (no refresh token: Instagram), as the lazy window is;
 * - its expiry minus that window capped also at its lifetime minus PREWARM_MIN_INTERVAL, when the
 *   token lives longer than that, so refreshing ahead comes at most twice a day; a token living no
 *   longer (X's 2 hours, Google's 1 hour) is not refreshed ahead while its refresh token lives on:
 *   a job asking for it gets it refreshed on demand;
 * - the middle of its refresh token's life since the last refresh;
 * - the last refresh plus REFRESH_IDLE_MAX.
 * A SQL expression over the row `row` (`NEW` in the trigger, a table alias elsewhere), with the
 * settings as literals. test/integration/refresh-due.spec.ts holds the stored value to these cases.
 */
export function nextRefreshAtSql(settings: RefreshDueSettings, row: string): string {
  const col = (name: (typeof NEXT_REFRESH_INPUTS)[number]) => `${row}.${name}`;
  const ms = (value: number) => `(interval '1 millisecond' * ${Math.round(value)})`;
  const lastRefresh = `coalesce(${col('last_refreshed_at')}, ${col('connected_at')})`;
  const expires = col('access_token_expires_at');
  const window = ms(settings.scheduledWindowMs);
  const minInterval = ms(PREWARM_MIN_INTERVAL_MS);
  const lifetime = `(${expires} - coalesce(${col('access_token_issued_at')}, ${col('connected_at')}))`;
  // least() and greatest() skip nulls: a branch that does not apply is null.
  return `(CASE WHEN ${col('status')} = 'active' THEN greatest(least(
      ${lastRefresh} + ${ms(settings.idleMaxMs)},
      CASE WHEN ${col('refresh_token')} IS NULL THEN ${expires} - (CASE WHEN ${lifetime} > interval '0' THEN least(${window}, ${lifetime} / 2) ELSE ${window} END) END,
      CASE WHEN ${lifetime} > ${minInterval} THEN ${expires} - least(${window}, ${lifetime} / 2, ${lifetime} - ${minInterval}) END,
      ${col('refresh_token_expires_at')} - (${col('refresh_token_expires_at')} - ${lastRefresh}) / 2
    ), ${col('next_retry_at')}) END)`;
}

/** The body of the trigger function for these settings (compared with the installed one at startup). */
export function nextRefreshFunctionBody(settings: RefreshDueSettings): string {
  return `
BEGIN
  NEW.next_refresh_at := ${nextRefreshAtSql(settings, 'NEW')};
  RETURN NEW;
END
`;
}

/** Installs (or replaces) the trigger function for these settings. */
export function nextRefreshFunctionSql(settings: RefreshDueSettings): string {
  return `CREATE OR REPLACE FUNCTION ${NEXT_REFRESH_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $fn$${nextRefreshFunctionBody(settings)}$fn$`;
}

/**
 * Recomputes `next_refresh_at` for the next `$2` rows after id `$1` (keyset by id, so each batch is
 * short and holds few row locks); returns how many and the last id.
 */
export function nextRefreshBackfillSql(settings: RefreshDueSettings): string {
  return `WITH batch AS (SELECT id FROM connections WHERE id > $1::uuid ORDER BY id LIMIT $2),
    done AS (UPDATE connections c SET next_refresh_at = ${nextRefreshAtSql(settings, 'c')} FROM batch WHERE c.id = batch.id RETURNING c.id)
    SELECT count(*)::int AS n, (SELECT id FROM batch ORDER BY id DESC LIMIT 1) AS last FROM done`;
}

/**
 * What the scheduler claims in index order (ix_connections_next_refresh): due, and not leased; a
 * lease (30 s, or until released) pushes the row out of the range, so claims never walk leased rows.
 */
export function claimAtSql(alias = 'c'): string {
  return `greatest(${alias}.next_refresh_at, ${alias}.refresh_lease_expires_at)`;
}

/** Due for refresh now: the admin summary's and the backlog gauge's count, and (not leased) the scheduler's claim. */
export function refreshDueSql(alias = 'c'): string {
  return `(${alias}.status = 'active' AND ${alias}.next_refresh_at <= now())`;
}
