import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

// The only way the UI talks to the service: typed by schema.d.ts, generated from the service's
// OpenAPI document (`npm run admin:client`; `npm run openapi:check` fails when it drifts).

export type Schemas = components['schemas'];
export type AdminConnection = Schemas['AdminConnectionDto'];
export type ConnectionDetail = Schemas['ConnectionDetailDto'];
export type RefreshFailure = Schemas['RefreshFailureDto'];
export type AuditEntry = Schemas['AuditEntryDto'];
export type Summary = Schemas['SummaryDto'];
export type AdminSession = Schemas['AdminSessionDto'];
export type WebhookStatus = Schemas['WebhookStatusDto'];
export type DeadLetter = Schemas['DeadLetterDto'];
export type ConnectionQuery = NonNullable<paths['/admin/api/connections']['get']['parameters']['query']>;
export type FailureQuery = NonNullable<paths['/admin/api/refresh-failures']['get']['parameters']['query']>;
export type AuditQuery = NonNullable<paths['/admin/api/audit']['get']['parameters']['query']>;

/** The service's error shape: `{ statusCode, error, message }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;

/** Set after sign-in (and from GET /admin/api/session on load); sent on every state-changing call. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export const UNAUTHORIZED_EVENT = 'oc-admin:unauthorized';

const isSafe = (method: string) => method === 'GET' || method === 'HEAD';

/**
 * The service keeps only a hash of the CSRF token and issues a fresh one on every GET /admin/api/session,
 * so another tab that loaded later makes this tab's token stale: fetch a fresh one and retry once.
 */
async function retryWithFreshCsrf(request: Request, response: Response): Promise<Response | undefined> {
  if (response.status !== 403 || isSafe(request.method) || request.bodyUsed) return undefined;
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { error?: string } | null;
  if (body?.error !== 'csrf_failed') return undefined;
  const session = await fetch('/admin/api/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!session.ok) return undefined;
  const { csrfToken: fresh } = (await session.json()) as AdminSession;
  if (!fresh) return undefined;
  csrfToken = fresh;
  const retry = new Request(request);
  retry.headers.set('X-CSRF-Token', fresh);
  return fetch(retry);
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (!isSafe(request.method) && csrfToken) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
  async onResponse({ request, response }) {
    response = (await retryWithFreshCsrf(request, response)) ?? response;
    // An expired session anywhere but the session endpoint itself sends the admin back to sign-in.
    if (response.status === 401 && !new URL(request.url).pathname.endsWith('/admin/api/session')) {
      window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin', headers: { Accept: 'application/json' } });
api.use(csrf);

function toApiError(error: unknown, response: Response): ApiError {
  const body = (error ?? {}) as Partial<Schemas['ErrorResponseDto']>;
  const code = typeof body.error === 'string' ? body.error : `http_${response.status}`;
  const message = typeof body.message === 'string' ? body.message : `The service answered ${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, code, message);
}

/** Resolves to the data of a successful call; throws an ApiError otherwise (network failures included). */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch (error) {
    throw new ApiError(0, 'network_error', `The service could not be reached (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!result.response.ok || result.data === undefined) throw toApiError(result.error, result.response);
  return result.data;
}
