import { setTimeout as sleep } from 'node:timers/promises';
import { errorFromAnswer, ServiceAuthError, ServiceUnreachableError, TokenServiceError } from './errors.js';
import type { ServiceTokenSource } from './service-token.js';

/** Answers worth retrying: the service (or a proxy in front of it) is busy or briefly down. */
const RETRYABLE = new Set([429, 502, 503, 504]);
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 5_000;

export type Transport = {
  /** POSTs `body` as JSON; resolves to the parsed 2xx body, or throws the typed error once retries run out. */
  post(path: string, body: unknown): Promise<unknown>;
  /** Requests sent so far, retries included. */
  readonly requests: number;
};

/** Retry-After as seconds (RFC 9110: delay-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** Never before Retry-After; up to 20 % (at least 100 ms) later, so callers told the same time spread out. */
export function retryAfterDelayMs(seconds: number, random = Math.random): number {
  const ms = seconds * 1000;
  return Math.round(ms + random() * Math.max(100, ms * 0.2));
}

/** Exponential backoff with jitter (half to all of 250 ms * 2^attempt, at most 5 s), when the service said nothing. */
export function backoffDelayMs(attempt: number, random = Math.random): number {
  const ms = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 20));
  return Math.round(ms * (0.5 + 0.5 * random()));
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function createTransport(options: {
  baseUrl: string;
  serviceTokens: ServiceTokenSource;
  timeoutMs: number;
  retryDeadlineMs: number;
  fetch: typeof globalThis.fetch;
  userAgent: string;
}): Transport {
  const { baseUrl, serviceTokens, timeoutMs, retryDeadlineMs, userAgent } = options;
  const doFetch = options.fetch;
  let requests = 0;

  /** One request: the answer, or the error to retry (or throw) when there was none. */
  async function attempt(
    path: string,
    body: unknown,
    deadline: number,
  ): Promise<{ res: Response; parsed: unknown } | { unreachable: ServiceUnreachableError }> {
    let authorization: string;
    try {
      authorization = `Bearer ${await serviceTokens.get()}`;
    } catch (error) {
      throw new ServiceAuthError({ status: 0, code: 'service_token_unavailable', message: 'getServiceToken failed; no request was sent', cause: error });
    }
    requests += 1;
    try {
      const res = await doFetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', accept: 'application/json', 'user-agent': userAgent },
        body: JSON.stringify(body),
        // The last attempt may not run past the deadline either (but gets at least a second).
        signal: AbortSignal.timeout(Math.min(timeoutMs, Math.max(1_000, deadline - Date.now()))),
      });
      return { res, parsed: await readBody(res) };
    } catch (error) {
      const timedOut = (error as { name?: string }).name === 'TimeoutError';
      const message = timedOut ? `The token service did not answer within ${timeoutMs} ms` : `The token service at ${baseUrl} could not be reached`;
      return { unreachable: new ServiceUnreachableError({ status: 0, code: timedOut ? 'timeout' : 'service_unreachable', message, cause: error }) };
    }
  }

  return {
    get requests() {
      return requests;
    },
    async post(path, body) {
      const deadline = Date.now() + retryDeadlineMs;
      let refreshedServiceToken = false;
      for (let tries = 0; ; tries += 1) {
        const outcome = await attempt(path, body, deadline);
        let failure: TokenServiceError;
        let waitMs: number;
        if ('unreachable' in outcome) {
          failure = outcome.unreachable;
          waitMs = backoffDelayMs(tries);
        } else {
          const { res, parsed } = outcome;
          if (res.ok) {
            if (parsed === undefined)
              throw new TokenServiceError({
                status: res.status,
                code: 'invalid_response',
                message: `The token service answered HTTP ${res.status} without a JSON body`,
              });
            return parsed;
          }
          const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
          failure = errorFromAnswer(res.status, parsed, retryAfter);
          // A JWT from getServiceToken that the service refuses may be stale (a rotated secret): ask for a new one, once.
          if (res.status === 401 && serviceTokens.external && !refreshedServiceToken) {
            refreshedServiceToken = true;
            serviceTokens.invalidate();
            continue;
          }
          if (!RETRYABLE.has(res.status)) throw failure;
          waitMs = retryAfter === undefined ? backoffDelayMs(tries) : retryAfterDelayMs(retryAfter);
        }
        if (Date.now() + waitMs > deadline) throw failure;
        await sleep(waitMs);
      }
    },
  };
}
