import { ConfigError } from './config.error.js';
import type { AppConfig, DemoProviderMode, NodeEnv } from './config.types.js';
import { keyRing } from './env-parsers.js';
import { type Env, EnvReader } from './env-reader.js';
import { type DevSecrets, loadOrCreateDevSecrets } from './secrets.js';

export type { Env } from './env-reader.js';

const MIN_SECRET_LENGTH = 32;

/**
 * What the features with settings of their own (PROVIDERS_FILE in src/providers, the demo provider
 * in src/demo) are given to read them; src/startup-config.ts wires them in, config imports none.
 */
export type FeatureSettingsInput = {
  env: Env;
  nodeEnv: NodeEnv;
  /** False when NODE_ENV is unset: production rules, but `auto` features are judged as in development (and refused with a warning). */
  nodeEnvSet: boolean;
  isProduction: boolean;
  devConveniences: boolean;
  providersFile?: string;
  demoProviderMode: DemoProviderMode;
};

/**
 * Reads those settings in the same pass as the environment's: their problems join the same
 * ConfigError and, like any problem, keep development secrets from being generated. Answers whether
 * the demo provider would be enabled (the rule is src/demo's; the startup warning is config's).
 */
export type FeatureSettings = (input: FeatureSettingsInput, problems: string[]) => { demoProviderWanted: boolean };

const UNSET = 'NODE_ENV is not set, so production rules apply (set NODE_ENV=development on a loopback HOST for them)';
const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/i;

/**
 * Development conveniences (dev sessions, the demo provider, generated secrets, the development
 * admin) hand out access to anyone who can reach the port: only with an explicit
 * NODE_ENV=development|test, and only while the service listens on loopback (INTERNAL_PORT binds
 * to HOST too).
 */
function developmentConveniences(nodeEnvSet: boolean, nodeEnv: NodeEnv, host: string): { allowed: boolean; reason?: string } {
  if (!nodeEnvSet) return { allowed: false, reason: UNSET };
  if (nodeEnv === 'production') return { allowed: false, reason: 'NODE_ENV=production' };
  if (!LOOPBACK.test(host)) return { allowed: false, reason: `HOST=${host} is not loopback (they are served only on 127.0.0.1, ::1 or localhost)` };
  return { allowed: true };
}

/** One startup warning per refused convenience, saying why. */
function refusedConveniences(reason: string, wanted: { demo: boolean; admin: boolean }): string[] {
  return [
    `Development sessions (GET /my/dev-session) are off: ${reason}.`,
    ...(wanted.demo ? [`The demo provider (/demo-provider) is off: ${reason}.`] : []),
    ...(wanted.admin ? [`No development admin is created: ${reason}. Use npm run admin:create.`] : []),
  ];
}

/**
 * Reads and validates every setting once, through the schema (src/config/config.schema.ts: parsers
 * and defaults). Throws a ConfigError listing every problem, each naming its variable. In
 * development, missing secrets come from (or are generated into) `DATA_DIR/secrets.json`.
 * `features` reads the settings other features own (see FeatureSettings); without it no provider is configured.
 */
export function loadConfig(env: Env = process.env, features?: FeatureSettings): AppConfig {
  const r = new EnvReader(env);
  // Unset runs with production rules (fail closed), remembered apart: `npm start` sets development.
  const nodeEnvSet = r.isSet('NODE_ENV');
  const nodeEnv = r.get('NODE_ENV');
  const isProduction = nodeEnv === 'production';
  const port = r.get('PORT');
  const host = r.get('HOST');
  const appUrl = r.get('APP_URL');
  const dataDir = r.get('DATA_DIR');
  const databaseUrl = r.get('DATABASE_URL');
  const ssl = r.get('DB_SSL');
  const logLevel = r.get('LOG_LEVEL');
  const logFormat = r.get('LOG_FORMAT');
  const bodyLimit = r.get('BODY_LIMIT');
  const trustProxy = r.get('TRUST_PROXY');
  const sessionJwtMaxTtlMs = r.get('SESSION_JWT_MAX_TTL');
  const adminSessionJwt = r.get('ADMIN_SESSION_JWT');
  const dev = developmentConveniences(nodeEnvSet, nodeEnv, host);
  if (!databaseUrl && isProduction) {
    r.problems.push(
      nodeEnvSet
        ? 'DATABASE_URL is required in production (the embedded database is for development and test only)'
        : `DATABASE_URL is required: ${UNSET}, and the embedded database is for development and test only`,
    );
  }

  // Unset: none (the schema's description).
  const corsOrigins = r.get('CORS_ORIGINS') ?? [];
  const connectReturnUrls = r.get('CONNECT_RETURN_URLS') ?? [];
  const oauthRedirectUri = r.get('OAUTH_REDIRECT_URI');
  const demoMode = r.get('DEMO_PROVIDER');
  const demoAccessTokenTtlMs = r.get('DEMO_ACCESS_TOKEN_TTL');
  if (nodeEnvSet && isProduction && demoMode === 'on')
    r.problems.push('DEMO_PROVIDER=on is not allowed in production (the demo provider signs anyone in); use off or auto');
  // What development would have enabled, refused (with a warning) when the conveniences are off.
  const { demoProviderWanted: demoWanted } = features?.(
    { env, nodeEnv, nodeEnvSet, isProduction, devConveniences: dev.allowed, providersFile: r.get('PROVIDERS_FILE'), demoProviderMode: demoMode },
    r.problems,
  ) ?? { demoProviderWanted: false };
  const demoEnabled = demoWanted && dev.allowed;
  const providerHttp = {
    timeoutMs: r.get('PROVIDER_HTTP_TIMEOUT_MS'),
    connectTimeoutMs: r.get('PROVIDER_CONNECT_TIMEOUT_MS'),
    maxResponseBytes: 1024 * 1024,
  };
  const connectStateTtlMs = r.get('CONNECT_STATE_TTL');
  const refresh = {
    windowMs: r.get('REFRESH_WINDOW'),
    scheduledWindowMs: r.get('SCHEDULED_REFRESH_WINDOW'),
    cron: r.get('REFRESH_CRON'),
    runBudgetMs: r.get('REFRESH_RUN_BUDGET'),
    concurrency: r.get('REFRESH_CONCURRENCY'),
    concurrencyPerProvider: r.get('REFRESH_CONCURRENCY_PER_PROVIDER'),
    idleMaxMs: r.get('REFRESH_IDLE_MAX'),
    retryFloorMs: r.get('REFRESH_RETRY_FLOOR'),
  };
  const retention = {
    auditMs: r.get('AUDIT_RETENTION'),
    refreshLogMs: r.get('REFRESH_LOG_RETENTION'),
    refreshFailureMs: r.get('REFRESH_FAILURE_RETENTION'),
    webhookMs: r.get('WEBHOOK_RETENTION'),
    assetMs: r.get('ASSET_RETENTION'),
  };
  const internalPort = r.get('INTERNAL_PORT');
  const webhook = { url: r.get('WEBHOOK_URL'), secrets: r.get('WEBHOOK_SECRET') ?? [], maxAgeMs: r.get('WEBHOOK_MAX_AGE') };
  if (webhook.url && !r.isSet('WEBHOOK_SECRET')) r.problems.push('WEBHOOK_SECRET is required when WEBHOOK_URL is set');

  const database = {
    url: databaseUrl,
    poolSize: r.get('DB_POOL_SIZE'),
    statementTimeoutMs: r.get('DB_STATEMENT_TIMEOUT_MS'),
    lockTimeoutMs: r.get('DB_LOCK_TIMEOUT_MS'),
    // `true` verifies the chain (`verify` is its older spelling); skipping that must be asked for.
    ssl,
    migrationsRun: r.get('MIGRATIONS_RUN'),
  };

  // Secrets: the environment wins; development falls back to the data directory.
  const simpleKey = r.get('TOKEN_ENCRYPTION_KEY');
  const fromEnv: DevSecrets = {
    TOKEN_ENCRYPTION_KEYS: r.get('TOKEN_ENCRYPTION_KEYS') ?? (simpleKey ? `k1:${simpleKey}` : undefined),
    SESSION_JWT_SECRET: r.get('SESSION_JWT_SECRET'),
    SERVICE_JWT_SECRET: r.get('SERVICE_JWT_SECRET'),
  };
  if (r.isSet('TOKEN_ENCRYPTION_KEYS') && simpleKey) {
    r.problems.push('TOKEN_ENCRYPTION_KEY and TOKEN_ENCRYPTION_KEYS are both set; keep only TOKEN_ENCRYPTION_KEYS');
  }
  const missing = (Object.keys(fromEnv) as (keyof DevSecrets)[]).filter((k) => !fromEnv[k]);
  let devSecrets = { used: [] as string[], generated: [] as string[] };
  let secrets = fromEnv;
  if (missing.length > 0) {
    if (!dev.allowed) {
      for (const name of missing) {
        const what = name === 'TOKEN_ENCRYPTION_KEYS' ? 'TOKEN_ENCRYPTION_KEYS (or TOKEN_ENCRYPTION_KEY)' : name;
        r.problems.push(
          isProduction && nodeEnvSet ? `${what} is required in production` : `${what} is required: ${dev.reason} (development secrets are generated only then)`,
        );
      }
    } else if (r.problems.length === 0) {
      const generatedDev = loadOrCreateDevSecrets(dataDir, missing);
      secrets = { ...fromEnv, ...Object.fromEntries(missing.map((k) => [k, generatedDev.secrets[k]])) };
      devSecrets = { used: missing, generated: generatedDev.generated };
    }
  }

  const keyVar = r.isSet('TOKEN_ENCRYPTION_KEYS') || !simpleKey ? 'TOKEN_ENCRYPTION_KEYS' : 'TOKEN_ENCRYPTION_KEY';
  const encryptionKeys = (secrets.TOKEN_ENCRYPTION_KEYS ? r.parseAs(keyVar, keyRing(), secrets.TOKEN_ENCRYPTION_KEYS) : undefined) ?? [];
  for (const name of ['SESSION_JWT_SECRET', 'SERVICE_JWT_SECRET'] as const) {
    const value = secrets[name];
    if (value && isProduction && value.length < MIN_SECRET_LENGTH) {
      r.problems.push(`${name} must be at least ${MIN_SECRET_LENGTH} characters in production (got ${value.length})`);
    }
  }
  if (secrets.SESSION_JWT_SECRET && secrets.SESSION_JWT_SECRET === secrets.SERVICE_JWT_SECRET) {
    r.problems.push('SESSION_JWT_SECRET and SERVICE_JWT_SECRET must differ, or a user session could act as a service');
  }

  if (r.problems.length > 0) throw new ConfigError(r.problems);

  return {
    nodeEnv,
    isProduction,
    port,
    host,
    devConveniences: dev.allowed,
    startupWarnings:
      dev.allowed || (nodeEnvSet && isProduction)
        ? []
        : refusedConveniences(dev.reason!, { demo: demoWanted, admin: !nodeEnvSet || nodeEnv === 'development' }),
    appUrl,
    dataDir,
    database,
    encryptionKeys,
    sessionJwtSecret: secrets.SESSION_JWT_SECRET!,
    sessionJwtMaxTtlSeconds: Math.floor(sessionJwtMaxTtlMs / 1000),
    adminSessionJwt,
    serviceJwtSecret: secrets.SERVICE_JWT_SECRET!,
    oauthRedirectUri,
    demoProvider: { enabled: demoEnabled, accessTokenTtlSeconds: Math.round(demoAccessTokenTtlMs / 1000) },
    providerHttp,
    connectStateTtlMs,
    maxConnectionsPerPlatform: r.get('MAX_CONNECTIONS_PER_PLATFORM'),
    expiryWarningMs: r.get('EXPIRY_WARNING'),
    assetSyncIntervalMs: r.get('ASSET_SYNC_INTERVAL'),
    refresh,
    retention,
    internalPort,
    webhook,
    logLevel,
    logFormat,
    bodyLimit,
    trustProxy,
    corsOrigins,
    connectReturnUrls,
    connectCallbackUri: `${appUrl}/connect/callback`,
    devSecrets,
  };
}
