import type { ServiceErrorBody } from './types.js';

type ErrorInit = { status: number; code: string; message: string; body?: ServiceErrorBody; retryAfterSeconds?: number; cause?: unknown };

/**
 * Anything the token service answered that is not a token, or a failure to reach it. `code` is the
 * service's stable error code (`not_connected`, `validation_failed`, ...); `status` is 0 when no
 * answer arrived. Messages come from the service and never contain a token.
 */
export class TokenServiceError extends Error {
  readonly status: number;
  readonly code: string;
  /** The service's error body, with any extra fields its code carries. */
  readonly body: ServiceErrorBody | undefined;
  /** The service's Retry-After, in seconds, when it sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: ErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.body = init.body;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** `404 not_connected`: the user has no (such) connection of that platform. Ask them to connect. */
export class NotConnectedError extends TokenServiceError {}

/** `409 reauth_required`: the provider no longer accepts the grant; the user must reconnect. Do not retry. */
export class ReauthRequiredError extends TokenServiceError {}

export type ConnectionCandidate = { connectionId: string; accountId: string | null; label: string | null };

/** `409 connection_ambiguous`: several connections match; pass one of `candidates`' connectionId or accountId. */
export class AmbiguousConnectionError extends TokenServiceError {
  readonly candidates: ConnectionCandidate[];
  constructor(init: ErrorInit) {
    super(init);
    const list = init.body?.candidates;
    this.candidates = Array.isArray(list)
      ? list.filter(isRecord).map((c) => ({ connectionId: String(c.connectionId), accountId: stringOrNull(c.accountId), label: stringOrNull(c.label) }))
      : [];
  }
}

/** `409 insufficient_scope`: the grant lacks `missingScopes`; the user must reconnect with them (see `body` for the connect-url parameters). */
export class InsufficientScopeError extends TokenServiceError {
  readonly missingScopes: string[];
  constructor(init: ErrorInit) {
    super(init);
    const list = init.body?.missingScopes;
    this.missingScopes = Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string') : [];
  }
}

/** `503 provider_unavailable`: the token has expired and the provider is failing; retries ran out before `retryAt`. */
export class ProviderUnavailableError extends TokenServiceError {
  /** When the service suggests trying again (from Retry-After); null when it did not say. */
  readonly retryAt: Date | null;
  constructor(init: ErrorInit) {
    super(init);
    this.retryAt = init.retryAfterSeconds === undefined ? null : new Date(Date.now() + init.retryAfterSeconds * 1000);
  }
}

/** `401 unauthorized` (wrong secret, expired or malformed service JWT) or `403 forbidden` (the JWT's platforms exclude this one). */
export class ServiceAuthError extends TokenServiceError {}

/** No answer: connection refused or reset, DNS, or `timeoutMs` passed, until the retry deadline. `code` is `service_unreachable` or `timeout`. */
export class ServiceUnreachableError extends TokenServiceError {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The typed error for a non-2xx answer. */
export function errorFromAnswer(status: number, body: unknown, retryAfterSeconds: number | undefined): TokenServiceError {
  const errorBody = isRecord(body) && typeof body.error === 'string' ? (body as ServiceErrorBody) : undefined;
  const code = errorBody?.error ?? `http_${status}`;
  const message = typeof errorBody?.message === 'string' && errorBody.message ? errorBody.message : `The token service answered HTTP ${status}`;
  const init: ErrorInit = { status, code, message, ...(errorBody && { body: errorBody }), ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) };
  switch (code) {
    case 'not_connected':
      return new NotConnectedError(init);
    case 'reauth_required':
      return new ReauthRequiredError(init);
    case 'connection_ambiguous':
      return new AmbiguousConnectionError(init);
    case 'insufficient_scope':
      return new InsufficientScopeError(init);
    case 'provider_unavailable':
      return new ProviderUnavailableError(init);
  }
  if (status === 401 || status === 403) return new ServiceAuthError(init);
  return new TokenServiceError(init);
}
