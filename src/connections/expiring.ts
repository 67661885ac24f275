/** Which platforms renew how (from the provider catalogue): the ones whose tokens nothing renews without the user, and those renewed by the access token itself. */
export type RenewalModes = { none: string[]; accessToken: string[] };

/**
 * THE definition of "expiring": a grant that will end within `warningMs` and that nothing can
 * extend without the user (the admin filter and summary, and the expiry warnings):
 * - its refresh token expires (TikTok, Pinterest, LinkedIn); or
 * - its access token expires and cannot be renewed: the platform renews nothing (Facebook), or
 *   the connection has no refresh token and the platform renews only with one.
 * A token the scheduler will simply refresh is not expiring. Served by ix_connections_due and
 * ix_connections_refresh_expiry (a BitmapOr of two index ranges).
 */
export function expiringSql(modes: RenewalModes, warningMs: number, param: (value: unknown) => string, alias = 'c'): string {
  const col = (name: string) => `${alias}.${name}`;
  const horizon = `now() + ${param(warningMs)} * interval '1 millisecond'`;
  const unrenewable = `(${col('platform')} = ANY(${param(modes.none)}::text[]) OR (${col('refresh_token')} IS NULL AND NOT ${col('platform')} = ANY(${param(modes.accessToken)}::text[])))`;
  return `(${col('status')} = 'active' AND (${col('refresh_token_expires_at')} < ${horizon} OR (${col('access_token_expires_at')} < ${horizon} AND ${unrenewable})))`;
}
