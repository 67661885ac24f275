/** Which platforms renew how (from the provider catalogue): the ones whose tokens nothing renews without the user, and those renewed by the access token itself. */
export type RenewalModes = { none: string[]; accessToken: string[] };

type Param = (value: unknown) => string;

/** The access token cannot be renewed without the user: the platform renews nothing, or it needs a refresh token the row lacks. */
function unrenewableSql(modes: RenewalModes, param: Param, col: (name: string) => string): string {
  return `(${col('platform')} = ANY(${param(modes.none)}::text[]) OR (${col('refresh_token')} IS NULL AND NOT ${col('platform')} = ANY(${param(modes.accessToken)}::text[])))`;
}

/**
 * THE definition of "expiring": a grant that will end within `warningMs` and that nothing can
 * extend without the user (the admin filter and summary, and the connection.expiring warnings):
 * - its refresh token expires (TikTok, Pinterest, LinkedIn); or
 * - its access token expires and cannot be renewed: the platform renews nothing (Facebook), or
 *   the connection has no refresh token and the platform renews only with one.
 * A token the scheduler will simply refresh is not expiring. Served by ix_connections_due and
 * ix_connections_refresh_expiry (a BitmapOr of two index ranges).
 */
export function expiringSql(modes: RenewalModes, warningMs: number, param: Param, alias = 'c'): string {
  const col = (name: string) => `${alias}.${name}`;
  const horizon = `now() + ${param(warningMs)} * interval '1 millisecond'`;
  return `(${col('status')} = 'active' AND (${col('refresh_token_expires_at')} < ${horizon} OR (${col('access_token_expires_at')} < ${horizon} AND ${unrenewableSql(modes, param, col)})))`;
}

/** When an expiring grant ends: the first of its refresh token's end and, where nothing renews it, its access token's. */
export function grantEndsSql(modes: RenewalModes, param: Param, alias = 'c'): string {
  const col = (name: string) => `${alias}.${name}`;
  return `(CASE WHEN ${unrenewableSql(modes, param, col)} THEN least(${col('access_token_expires_at')}, coalesce(${col('refresh_token_expires_at')}, 'infinity')) ELSE ${col('refresh_token_expires_at')} END)`;
}

/** The renewal modes of the enabled providers (their catalogue `refresh`). */
export function renewalModes(providers: readonly { config: { id: string; refresh: 'refresh_token' | 'access_token' | 'none' } }[]): RenewalModes {
  return {
    none: providers.filter((p) => p.config.refresh === 'none').map((p) => p.config.id),
    accessToken: providers.filter((p) => p.config.refresh === 'access_token').map((p) => p.config.id),
  };
}
