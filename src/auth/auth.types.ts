export type AuthKind = 'public' | 'user' | 'service' | 'admin';
export const AUTH_KIND = 'oauth-connections:auth-kind';

/** `via: 'cookie'` is an admin signed in to the admin UI (then `email` and `csrf` are set). */
export type UserPrincipal = { kind: 'user'; userId: string; admin: boolean; via?: 'bearer' | 'cookie'; email?: string; csrf?: string };
export type ServicePrincipal = { kind: 'service'; service: string; platforms?: string[] };
export type Principal = UserPrincipal | ServicePrincipal;

/** Added to the request by the guard. */
export type AuthenticatedRequest = { principal?: Principal };

export const SERVICE_AUDIENCE = 'internal';
export const MAX_SERVICE_TOKEN_TTL = 900;
/** Allowed clock difference between token issuers and this service. */
export const CLOCK_SKEW_SECONDS = 30;
