import type { components, operations } from './generated/openapi.js';

// Wire types come from the service's OpenAPI document (generated/openapi.ts, `npm run client:schema`).
// Fields that the accounts (14), outages (15) and assets (17) work adds are declared here as optional
// and intersected with the generated types. When the document gains them, the generated type wins.

type Schemas = components['schemas'];

/** What the service's internal-token route answers today, plus the fields it will add. */
export type InternalTokenAnswer = Schemas['InternalTokenDto'] & {
  connectionId?: string | null;
  grantedScopes?: string[];
  /** Replaced by `grantedScopes` (issue 14). Read only when that is missing. */
  scopes?: string[];
  asset?: TokenAsset | null;
};

/** The internal-token request body: the generated `{ userId }` plus the selectors of issues 14 and 17. */
export type InternalTokenRequest = operations['InternalTokenController_issue']['requestBody']['content']['application/json'] & {
  connectionId?: string;
  accountId?: string;
  assetId?: string;
  requiredScopes?: string[];
};

/** The service's error body: `{ statusCode, error, message }`, plus fields some codes carry (candidates, missingScopes). */
export type ServiceErrorBody = Schemas['ErrorResponseDto'] & Record<string, unknown>;

/** The publishing target a token is for, when the job asked for an `assetId`: assetId, kind, externalId, name, ownToken (a Page token). */
export type TokenAsset = Schemas['TokenAssetDto'];

export type TokenClientOptions = {
  /** The service's URL, e.g. `http://oauth-connections.internal:3000` (the INTERNAL_PORT one when set). */
  baseUrl: string;
  /** `sub` of the service JWTs this client mints: your job's name, shown in the service's audit. */
  serviceName?: string;
  /** The service's SERVICE_JWT_SECRET. The client mints its own short-lived service JWTs with it. */
  serviceSecret?: string;
  /** Instead of `serviceSecret`: returns a service JWT (from your secret store or a token service). */
  getServiceToken?: () => string | Promise<string>;
  /** `platforms` claim of the minted JWTs: the platforms this job may read. Default: none (all). */
  platforms?: string[];
  /** A cached token is handed out until `expiresAt` minus this many seconds. Default 60. */
  refreshMarginSeconds?: number;
  /** Timeout of one HTTP request to the service. Default 10,000 ms. */
  timeoutMs?: number;
  /** Retries of 503, 429, 502, 504 and network errors stop when the next one would start later than this after the call. Default 30,000 ms; 0 never retries. */
  retryDeadlineMs?: number;
  /** Most tokens kept in the cache; the least recently used goes first. Default 10,000; 0 disables the cache. */
  maxCacheEntries?: number;
  /** Lifetime of the minted service JWTs, 1 to 300 seconds. Default 300. */
  serviceTokenTtlSeconds?: number;
  /** The fetch to use (a proxy-aware one, for instance). Default: the global fetch. */
  fetch?: typeof globalThis.fetch;
};

/** Which token: a user's connection of a platform, narrowed by the optional selectors. */
export type TokenSelector = {
  userId: string;
  platform: string;
  /** One connection of several on that platform (issue 14). */
  connectionId?: string;
  /** The provider account id, when the user connected several accounts of the platform (issue 14). */
  accountId?: string;
  /** A publishing target of the connection: a Facebook Page, a YouTube channel... (issue 17). */
  assetId?: string;
  /** Scopes the token must carry; the service answers `409 insufficient_scope` without them (issue 14). */
  requiredScopes?: string[];
};

export type TokenResult = {
  accessToken: string;
  /** When the provider said the token expires; null when it did not say. */
  expiresAt: Date | null;
  /** null from a service that predates several connections per platform (issue 14). */
  connectionId: string | null;
  accountId: string | null;
  /** The scopes the provider granted (today's services answer them as `scopes`). */
  grantedScopes: string[];
  /** Present when the job asked for an `assetId`. */
  asset?: TokenAsset;
};

export type RejectedTokenReport = TokenSelector & {
  /** The token the provider refused. Only its SHA-256 is sent. */
  accessToken: string;
  /** The provider's HTTP status, e.g. 401. */
  status: number;
  /** The provider's error code or message, e.g. `invalid_token`. */
  error?: string;
};

export type ConnectSessionRequest = {
  userId: string;
  /** Platforms the hosted page offers. Default: every platform of the service. */
  platforms?: string[];
  /** Where the hosted page sends the user back; must match the service's CONNECT_RETURN_URLS. */
  returnUrl: string;
  /** Reconnect this connection (a reconnect link for a `connection.reauth_required` event). */
  connectionId?: string;
  /** Extra scopes on top of the platform defaults. */
  scopes?: string[];
};

/** `POST /connect-sessions` (issue 14); hand-written until the service's document has it. */
export type ConnectSession = { token: string; url: string; expiresAt: Date };

export type TokenClientStats = {
  /** getToken calls answered from the cache. */
  cacheHits: number;
  /** getToken calls that joined a request already in flight for the same selectors. */
  coalesced: number;
  /** HTTP requests sent to the service, retries included. */
  requests: number;
  /** Tokens in the cache now. */
  cacheEntries: number;
};

export type TokenClient = {
  /** A valid access token for the selectors, from the cache when it is fresh enough. */
  getToken(selector: TokenSelector): Promise<TokenResult>;
  /**
   * Tells the service that the provider refused `accessToken` (issue 15) and forgets it here. Resolves
   * to the replacement token when the service has one, else null.
   */
  reportRejected(report: RejectedTokenReport): Promise<TokenResult | null>;
  /** A hosted connect link for a user (issue 14), for your app's backend to hand to its frontend. */
  createConnectSession(request: ConnectSessionRequest): Promise<ConnectSession>;
  /** Forgets the cached token of these selectors, or every cached token. */
  invalidate(selector?: TokenSelector): void;
  stats(): TokenClientStats;
};
