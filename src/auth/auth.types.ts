export type AuthKind = 'public' | 'user' | 'service' | 'admin';
export const AUTH_KIND = 'oauth-connections:auth-kind';

/**
 * `via` says how an admin authenticated: `cookie` (admin UI session; `sessionId` set), `api-key`
 * (admin API key) or `jwt` (session JWT with role admin, only with ADMIN_SESSION_JWT=true).
 */
export type UserPrincipal = {
  kind: 'user';
  userId: string;
  admin: boolean;
  via?: 'cookie' | 'api-key' | 'jwt';
  email?: string;
  sessionId?: string;
  expiresAt?: string;
};
export type ServicePrincipal = { kind: 'service'; service: string; platforms?: readonly string[] };
export type Principal = UserPrincipal | ServicePrincipal;

/** Added to the request by the guard. */
export type AuthenticatedRequest = { principal?: Principal };

export const SERVICE_AUDIENCE = 'internal';
export const MAX_SERVICE_TOKEN_TTL = 900;
/** Allowed clock difference between token issuers and this service. */
export const CLOCK_SKEW_SECONDS = 30;
