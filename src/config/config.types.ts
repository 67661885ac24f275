export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'verbose';
export type DemoProviderMode = 'auto' | 'on' | 'off';

export type EncryptionKey = { kid: string; key: string };

/** One WEBHOOK_SECRET entry: the text as configured and the HMAC key it stands for (see env-parsers.ts webhookSecrets). */
export type WebhookSecret = { text: string; key: Buffer };

export type DatabaseConfig = {
  /** Unset: embedded PGlite under `dataDir/pg`. */
  url?: string;
  poolSize: number;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  /** `verify`: TLS with the certificate chain and host name checked; `no-verify`: TLS, unchecked. */
  ssl: false | 'verify' | 'no-verify';
  migrationsRun: boolean;
};

export type AppConfig = {
  nodeEnv: NodeEnv;
  isProduction: boolean;
  port: number;
  host: string;
  /**
   * Dev sessions, the demo provider, generated secrets and the development admin: only with an
   * explicit NODE_ENV=development|test and a loopback HOST.
   */
  devConveniences: boolean;
  /** Printed at startup: one line per development convenience refused, and why. */
  startupWarnings: string[];
  appUrl: string;
  dataDir: string;
  database: DatabaseConfig;
  encryptionKeys: EncryptionKey[];
  sessionJwtSecret: string;
  /** Longest accepted `exp - iat` of a session JWT, in seconds. */
  sessionJwtMaxTtlSeconds: number;
  /** Opt-in: session JWTs with `role: "admin"` are admin credentials (off: only admin API keys and UI sessions). */
  adminSessionJwt: boolean;
  serviceJwtSecret: string;
  oauthRedirectUri: string;
  /** Development only: the `demo` platform served by this service under /demo-provider (src/demo). */
  demoProvider: { enabled: boolean; accessTokenTtlSeconds: number };
  providerHttp: { timeoutMs: number; connectTimeoutMs: number; maxResponseBytes: number };
  connectStateTtlMs: number;
  maxConnectionsPerPlatform: number;
  /** EXPIRY_WARNING: what counts as expiring (src/connections/expiring.ts). */
  expiryWarningMs: number;
  refresh: {
    windowMs: number;
    scheduledWindowMs: number;
    cron: string | null;
    runBudgetMs: number;
    concurrency: number;
    concurrencyPerProvider: number;
    idleMaxMs: number;
    /** REFRESH_RETRY_FLOOR: an expired token's failed refresh is retried on demand at most this often. */
    retryFloorMs: number;
  };
  /** How long rows of the growing tables are kept (RetentionService deletes older ones). */
  retention: { auditMs: number; refreshLogMs: number; refreshFailureMs: number; webhookMs: number; assetMs: number };
  /** ASSET_SYNC_INTERVAL: how often each connection's assets are listed again. */
  assetSyncIntervalMs: number;
  internalPort?: number;
  webhook: {
    url?: string;
    /** The signing secrets: the first is current; a second one (during a rotation) also signs `webhook-signature`. Empty without WEBHOOK_SECRET. */
    secrets: WebhookSecret[];
    /** An event still undelivered this long after it was queued is dead-lettered (WEBHOOK_MAX_AGE). */
    maxAgeMs: number;
  };
  logLevel: LogLevel;
  logFormat: 'json' | 'pretty';
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Fastify `trustProxy`: false, a hop count or a list of proxy addresses (never `true`). */
  trustProxy: false | number | string;
  /** Where the hosted connect page may send users back (CONNECT_RETURN_URLS): origins or URL prefixes; empty: none. */
  connectReturnUrls: string[];
  /** The hosted connect flow's redirect URI, `$APP_URL/connect/callback` (register it at every provider). */
  connectCallbackUri: string;
  /** Browser origins allowed to call the API cross-origin (CORS); empty: none. */
  corsOrigins: string[];
  /** Development only: secrets taken from DATA_DIR/secrets.json, and which of them were generated on this start. */
  devSecrets: { used: string[]; generated: string[] };
};

export const APP_CONFIG = Symbol('APP_CONFIG');
