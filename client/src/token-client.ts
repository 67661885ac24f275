import { createHash } from 'node:crypto';
import { TokenServiceError } from './errors.js';
import { LruCache } from './lru-cache.js';
import { MAX_SERVICE_TOKEN_TTL_SECONDS, serviceTokenSource } from './service-token.js';
import { createTransport } from './transport.js';
import type {
  ConnectSession,
  ConnectSessionRequest,
  InternalTokenAnswer,
  InternalTokenRequest,
  RejectedTokenReport,
  TokenClient,
  TokenClientOptions,
  TokenResult,
  TokenSelector,
} from './types.js';

/** A token the provider gave no expiry for is kept this long, then asked for again. */
const NO_EXPIRY_CACHE_MS = 5 * 60_000;

/** What the cache holds: the answer as plain data, and until when it may be handed out. */
type Cached = {
  accessToken: string;
  expiresAtMs: number | null;
  connectionId: string | null;
  accountId: string | null;
  grantedScopes: readonly string[];
  asset?: TokenResult['asset'];
  freshUntil: number;
};

type InFlight = { promise: Promise<Cached>; stale: boolean };

function positive(name: string, value: number | undefined, fallback: number, { min = 0, integer = false, max = Infinity } = {}): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new TypeError(
      `createTokenClient: ${name} must be ${integer ? 'a whole number' : 'a number'} from ${min}${max === Infinity ? '' : ` to ${max}`} (got ${String(value)})`,
    );
  }
  return v;
}

function requireText(what: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string`);
  return value;
}

/** requiredScopes as a set: order and repeats do not make a different token. */
function scopeSet(scopes: string[] | undefined): string[] | undefined {
  return scopes === undefined ? undefined : [...new Set(scopes)].sort();
}

/** One cache key per distinct request: every selector, unambiguous (JSON of a fixed-order array). */
function cacheKey(s: TokenSelector): string {
  return JSON.stringify([s.platform, s.userId, s.connectionId ?? null, s.accountId ?? null, s.assetId ?? null, scopeSet(s.requiredScopes) ?? null]);
}

/** The body for today's service and tomorrow's: only the selectors the caller gave. */
function requestBody(s: TokenSelector): InternalTokenRequest {
  const body: InternalTokenRequest = { userId: requireText('userId', s.userId) };
  if (s.connectionId !== undefined) body.connectionId = s.connectionId;
  if (s.accountId !== undefined) body.accountId = s.accountId;
  if (s.assetId !== undefined) body.assetId = s.assetId;
  const scopes = scopeSet(s.requiredScopes);
  if (scopes !== undefined) body.requiredScopes = scopes;
  return body;
}

function fromAnswer(answer: unknown, marginMs: number): Cached {
  const a = answer as InternalTokenAnswer | null;
  if (typeof a?.accessToken !== 'string' || a.accessToken === '')
    throw new TokenServiceError({ status: 200, code: 'invalid_response', message: 'The token service answered without an accessToken' });
  const expiresAtMs = typeof a.expiresAt === 'string' ? Date.parse(a.expiresAt) : null;
  const expires = expiresAtMs !== null && !Number.isNaN(expiresAtMs) ? expiresAtMs : null;
  const cached: Cached = {
    accessToken: a.accessToken,
    expiresAtMs: expires,
    connectionId: typeof a.connectionId === 'string' ? a.connectionId : null,
    accountId: typeof a.accountId === 'string' ? a.accountId : null,
    // Today's service answers `scopes`; the accounts work renames it `grantedScopes`.
    grantedScopes: Object.freeze([...(a.grantedScopes ?? a.scopes ?? [])]),
    freshUntil: expires === null ? Date.now() + NO_EXPIRY_CACHE_MS : expires - marginMs,
  };
  if (a.asset) cached.asset = { ...a.asset };
  return cached;
}

/** A fresh object for each caller, so one caller changing its result changes nobody else's. */
function toResult(c: Cached): TokenResult {
  const result: TokenResult = {
    accessToken: c.accessToken,
    expiresAt: c.expiresAtMs === null ? null : new Date(c.expiresAtMs),
    connectionId: c.connectionId,
    accountId: c.accountId,
    grantedScopes: [...c.grantedScopes],
  };
  if (c.asset) result.asset = { ...c.asset };
  return result;
}

/** A client for backend jobs: see client/README.md for every option and error. */
export function createTokenClient(options: TokenClientOptions): TokenClient {
  let base: URL;
  try {
    base = new URL(requireText('createTokenClient: baseUrl', options.baseUrl));
  } catch (error) {
    throw error instanceof TypeError && error.message.startsWith('createTokenClient')
      ? error
      : new TypeError(`createTokenClient: baseUrl is not a URL (${options.baseUrl})`);
  }
  if ((options.serviceSecret === undefined) === (options.getServiceToken === undefined))
    throw new TypeError('createTokenClient: pass exactly one of serviceSecret and getServiceToken');
  if (options.serviceSecret !== undefined) {
    requireText('createTokenClient: serviceSecret', options.serviceSecret);
    requireText('createTokenClient: serviceName (the sub of the service JWTs)', options.serviceName);
  }
  const marginMs = positive('refreshMarginSeconds', options.refreshMarginSeconds, 60) * 1000;
  const cache = new LruCache<Cached>(positive('maxCacheEntries', options.maxCacheEntries, 10_000, { integer: true }));
  const serviceTokens = serviceTokenSource({
    serviceName: options.serviceName,
    serviceSecret: options.serviceSecret,
    getServiceToken: options.getServiceToken,
    platforms: options.platforms,
    ttlSeconds: positive('serviceTokenTtlSeconds', options.serviceTokenTtlSeconds, MAX_SERVICE_TOKEN_TTL_SECONDS, {
      min: 1,
      max: MAX_SERVICE_TOKEN_TTL_SECONDS,
      integer: true,
    }),
  });
  const transport = createTransport({
    baseUrl: base.toString().replace(/\/+$/, ''),
    serviceTokens,
    timeoutMs: positive('timeoutMs', options.timeoutMs, 10_000, { min: 1 }),
    retryDeadlineMs: positive('retryDeadlineMs', options.retryDeadlineMs, 30_000),
    fetch: options.fetch ?? globalThis.fetch,
    userAgent: `oauth-connections-client${options.serviceName ? ` (${options.serviceName})` : ''}`,
  });
  const inFlight = new Map<string, InFlight>();
  let cacheHits = 0;
  let coalesced = 0;

  const platformPath = (platform: string) => encodeURIComponent(requireText('platform', platform));

  /** Forgets a key's cached token, and keeps a request already in flight for it from caching its answer. */
  function forget(key: string): void {
    cache.delete(key);
    const flight = inFlight.get(key);
    if (flight) {
      flight.stale = true;
      inFlight.delete(key);
    }
  }

  function remember(key: string, entry: Cached): void {
    if (entry.freshUntil > Date.now()) cache.set(key, entry);
  }

  async function getToken(selector: TokenSelector): Promise<TokenResult> {
    requireText('userId', selector.userId);
    const path = `/social/${platformPath(selector.platform)}/internal-token`;
    const key = cacheKey(selector);
    const hit = cache.get(key);
    if (hit) {
      if (hit.freshUntil > Date.now()) {
        cacheHits += 1;
        return toResult(hit);
      }
      cache.delete(key);
    }
    const joined = inFlight.get(key);
    if (joined) {
      coalesced += 1;
      return toResult(await joined.promise);
    }
    const body = requestBody(selector);
    const flight: InFlight = { stale: false, promise: transport.post(path, body).then((answer) => fromAnswer(answer, marginMs)) };
    inFlight.set(key, flight);
    try {
      const entry = await flight.promise;
      if (!flight.stale) remember(key, entry);
      return toResult(entry);
    } finally {
      if (inFlight.get(key) === flight) inFlight.delete(key);
    }
  }

  async function reportRejected(report: RejectedTokenReport): Promise<TokenResult | null> {
    const accessToken = requireText('accessToken', report.accessToken);
    if (!Number.isInteger(report.status) || report.status < 100 || report.status > 599)
      throw new TypeError('status must be the HTTP status the provider answered');
    const key = cacheKey(report);
    const known = cache.get(key) ?? cache.find((c) => c.accessToken === accessToken);
    // The token is dead whatever the service says next: no caller gets it from here again.
    forget(key);
    // Every request that was served this token (by connectionId, accountId or neither) gets the new one.
    const servedAs = cache.deleteWhere((c) => c.accessToken === accessToken);
    const connectionId = report.connectionId ?? known?.connectionId ?? null;
    if (connectionId === null) {
      throw new TokenServiceError({
        status: 0,
        code: 'connection_unknown',
        message: 'reportRejected needs the connectionId: pass it, or report a token that this client got from a service that answers connectionId (issue 14)',
      });
    }
    const body: Record<string, unknown> = { accessTokenHash: createHash('sha256').update(accessToken).digest('hex'), status: report.status };
    if (report.error !== undefined) body.error = report.error;
    const answer = (await transport.post(`/social/connections/${encodeURIComponent(connectionId)}/token-rejected`, body)) as Record<string, unknown>;
    // The new (or current) token, at the top level like internal-token's answer or under `token`.
    const tokenAnswer = typeof answer.accessToken === 'string' ? answer : (answer.token as Record<string, unknown> | undefined);
    if (typeof tokenAnswer?.accessToken !== 'string' || tokenAnswer.accessToken === accessToken) return null;
    const entry = fromAnswer(
      { connectionId, accountId: known?.accountId ?? null, scopes: known?.grantedScopes ?? [], expiresAt: null, ...tokenAnswer },
      marginMs,
    );
    for (const k of new Set([key, ...servedAs])) remember(k, entry);
    return toResult(entry);
  }

  async function createConnectSession(request: ConnectSessionRequest): Promise<ConnectSession> {
    const body: Record<string, unknown> = { userId: requireText('userId', request.userId), returnUrl: requireText('returnUrl', request.returnUrl) };
    if (request.platforms !== undefined) body.platforms = request.platforms;
    if (request.connectionId !== undefined) body.connectionId = request.connectionId;
    if (request.scopes !== undefined) body.scopes = request.scopes;
    const answer = (await transport.post('/connect-sessions', body)) as { token?: unknown; url?: unknown; expiresAt?: unknown };
    if (typeof answer.token !== 'string' || typeof answer.url !== 'string' || typeof answer.expiresAt !== 'string') {
      throw new TokenServiceError({
        status: 200,
        code: 'invalid_response',
        message: 'The token service answered a connect session without token, url and expiresAt',
      });
    }
    return { token: answer.token, url: answer.url, expiresAt: new Date(answer.expiresAt) };
  }

  return {
    getToken,
    reportRejected,
    createConnectSession,
    invalidate(selector) {
      if (selector) forget(cacheKey(selector));
      else {
        cache.clear();
        for (const key of [...inFlight.keys()]) forget(key);
      }
    },
    stats: () => ({ cacheHits, coalesced, requests: transport.requests, cacheEntries: cache.size }),
  };
}
