import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { validateCronExpression } from 'cron';
import { ConfigError } from './config.error.js';
import type { AppConfig, DemoProviderMode, EncryptionKey, LogLevel, NodeEnv } from './config.types.js';
import { EnvReader } from './env-parsers.js';
import { type DevSecrets, loadOrCreateDevSecrets } from './secrets.js';

export type Env = Record<string, string | undefined>;

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

const HEX64 = /^[0-9a-fA-F]{64}$/;
const KID = /^[A-Za-z0-9_-]{1,32}$/;
const MIN_SECRET_LENGTH = 32;

function parseKeyRing(name: string, value: string, problems: string[]): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  for (const [index, entry] of value.split(',').entries()) {
    const [kid, key, ...rest] = entry.trim().split(':');
    if (rest.length > 0 || !kid || key === undefined) {
      problems.push(`${name}: entry ${index + 1} must look like kid:<64 hex characters>`);
      continue;
    }
    if (!KID.test(kid)) problems.push(`${name}: key id "${kid}" must be 1-32 characters of A-Z, a-z, 0-9, _ or -`);
    // Never echo the key itself, only its shape.
    if (!HEX64.test(key)) problems.push(`${name}: key "${kid}" must be 64 hex characters (got ${key.length} characters)`);
    if (keys.some((k) => k.kid === kid)) problems.push(`${name}: key id "${kid}" appears twice`);
    keys.push({ kid, key: key.toLowerCase() });
  }
  return keys;
}

const NAMED_SUBNETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `TRUST_PROXY`: false, a hop count, or proxy addresses; `true` would trust a forged X-Forwarded-For from anyone. */
function parseTrustProxy(value: string, problems: string[]): false | number | string {
  if (value === 'false' || value === '0') return false;
  if (/^\d+$/.test(value)) return Number(value);
  if (value.toLowerCase() === 'true') {
    problems.push('TRUST_PROXY=true trusts every hop, so any client could forge X-Forwarded-For and evade the sign-in rate limits; set the number of proxies in front of the service (e.g. TRUST_PROXY=1) or their addresses (e.g. TRUST_PROXY=10.0.0.5,loopback)');
    return false;
  }
  const entries = value.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => !NAMED_SUBNETS.has(e) && !isAddressOrCidr(e));
  if (bad.length > 0) {
    problems.push(`TRUST_PROXY must be false, a hop count or a comma-separated list of proxy addresses or CIDRs (not an address: ${bad.map((b) => `"${b}"`).join(', ')})`);
    return false;
  }
  return entries.join(',');
}

function isAddressOrCidr(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

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
 * Reads and validates every setting once. Throws a ConfigError listing every problem,
 * each naming its variable. In development, missing secrets come from (or are generated into)
 * `DATA_DIR/secrets.json`. `features` reads the settings other features own (see FeatureSettings);
 * without it no provider is configured.
 */
export function loadConfig(env: Env = process.env, features?: FeatureSettings): AppConfig {
  const r = new EnvReader(env);
  // No default: an unset NODE_ENV runs with production rules (fail closed); `npm start` sets development.
  const nodeEnvSet = r.raw('NODE_ENV') !== undefined;
  const nodeEnv = r.oneOf<NodeEnv>('NODE_ENV', ['development', 'production', 'test'], 'production');
  const isProduction = nodeEnv === 'production';
  const port = r.int('PORT', 3000, 0, 65535);
  const host = r.string('HOST', isProduction ? '0.0.0.0' : '127.0.0.1');
  const appUrl = r.url('APP_URL', `http://localhost:${port}`, ['http:', 'https:'])!;
  const dataDir = resolve(r.string('DATA_DIR', './.data'));
  const databaseUrl = r.url('DATABASE_URL', undefined, ['postgres:', 'postgresql:']);
  const sslRaw = r.oneOf('DB_SSL', ['true', 'false', 'verify', 'no-verify'], 'false');
  const logLevel = r.oneOf<LogLevel>('LOG_LEVEL', ['error', 'warn', 'info', 'debug', 'verbose'], 'info');
  const logFormat = r.oneOf('LOG_FORMAT', ['json', 'pretty'], isProduction ? 'json' : 'pretty');
  const bodyLimit = r.string('BODY_LIMIT', '64kb');
  if (!/^\d+(b|kb|mb)?$/i.test(bodyLimit)) r.problems.push(`BODY_LIMIT must be a size such as 64kb or 1mb (got "${bodyLimit}")`);
  const trustProxy = parseTrustProxy(r.string('TRUST_PROXY', 'false'), r.problems);
  const sessionJwtMaxTtlMs = r.durationMs('SESSION_JWT_MAX_TTL', 86_400_000);
  if (sessionJwtMaxTtlMs < 60_000 || sessionJwtMaxTtlMs > 366 * 86_400_000) r.problems.push('SESSION_JWT_MAX_TTL must be between 1m and 366d');
  const adminSessionJwt = r.bool('ADMIN_SESSION_JWT', false);
  const dev = developmentConveniences(nodeEnvSet, nodeEnv, host);
  if (!databaseUrl && isProduction) {
    r.problems.push(nodeEnvSet ? 'DATABASE_URL is required in production (the embedded database is for development and test only)' : `DATABASE_URL is required: ${UNSET}, and the embedded database is for development and test only`);
  }

  const corsOrigins = r.origins('CORS_ORIGINS');
  const oauthRedirectUri = r.url('OAUTH_REDIRECT_URI', `${appUrl}/my/settings/social`, ['http:', 'https:'])!;
  const demoMode = r.oneOf<DemoProviderMode>('DEMO_PROVIDER', ['auto', 'on', 'off'], 'auto');
  const demoAccessTokenTtlMs = r.durationMs('DEMO_ACCESS_TOKEN_TTL', 5 * 60_000);
  if (demoAccessTokenTtlMs < 10_000 || demoAccessTokenTtlMs > 86_400_000) r.problems.push('DEMO_ACCESS_TOKEN_TTL must be between 10s and 1d');
  if (nodeEnvSet && isProduction && demoMode === 'on') r.problems.push('DEMO_PROVIDER=on is not allowed in production (the demo provider signs anyone in); use off or auto');
  // What development would have enabled, refused (with a warning) when the conveniences are off.
  const { demoProviderWanted: demoWanted } = features?.({ env, nodeEnv, nodeEnvSet, isProduction, devConveniences: dev.allowed, providersFile: r.raw('PROVIDERS_FILE'), demoProviderMode: demoMode }, r.problems) ?? { demoProviderWanted: false };
  const demoEnabled = demoWanted && dev.allowed;
  const providerHttp = {
    timeoutMs: r.int('PROVIDER_HTTP_TIMEOUT_MS', 10_000, 100, 120_000),
    connectTimeoutMs: r.int('PROVIDER_CONNECT_TIMEOUT_MS', 3_000, 100, 60_000),
    maxResponseBytes: 1024 * 1024,
  };
  const connectStateTtlMs = r.durationMs('CONNECT_STATE_TTL', 600_000);

  const cron = r.string('REFRESH_CRON', '*/10 * * * *');
  if (cron !== 'off') {
    // The cron package's own parser: the one that would otherwise fail at startup without naming the variable.
    const check = validateCronExpression(cron);
    if (!check.valid) r.problems.push(`REFRESH_CRON must be a cron expression (5 or 6 fields) or off (got "${cron.slice(0, 100)}": ${check.error?.message ?? 'invalid'})`);
  }
  const refresh = {
    windowMs: r.durationMs('REFRESH_WINDOW', 2 * 3_600_000),
    scheduledWindowMs: r.durationMs('SCHEDULED_REFRESH_WINDOW', 6 * 3_600_000),
    cron: cron === 'off' ? null : cron,
    runBudgetMs: r.durationMs('REFRESH_RUN_BUDGET', 5 * 60_000),
    concurrency: r.int('REFRESH_CONCURRENCY', 20, 1, 1000),
    concurrencyPerProvider: r.int('REFRESH_CONCURRENCY_PER_PROVIDER', 10, 1, 1000),
    idleMaxMs: r.durationMs('REFRESH_IDLE_MAX', 30 * 86_400_000),
  };
  const internalPortRaw = r.raw('INTERNAL_PORT');
  const internalPort = internalPortRaw === undefined ? undefined : r.int('INTERNAL_PORT', 0, 0, 65535);
  const webhook = { url: r.url('WEBHOOK_URL', undefined, ['http:', 'https:']), secret: r.raw('WEBHOOK_SECRET') };
  if (webhook.url && !webhook.secret) r.problems.push('WEBHOOK_SECRET is required when WEBHOOK_URL is set');
  if (webhook.secret && webhook.secret.length < 16) r.problems.push('WEBHOOK_SECRET must be at least 16 characters');

  const database = {
    url: databaseUrl,
    poolSize: r.int('DB_POOL_SIZE', 10, 1, 500),
    statementTimeoutMs: r.int('DB_STATEMENT_TIMEOUT_MS', 15_000, 0, 3_600_000),
    lockTimeoutMs: r.int('DB_LOCK_TIMEOUT_MS', 5_000, 0, 3_600_000),
    // `true` verifies the chain (`verify` is its older spelling); skipping that must be asked for.
    ssl: sslRaw === 'false' ? (false as const) : sslRaw === 'no-verify' ? ('no-verify' as const) : ('verify' as const),
    migrationsRun: r.bool('MIGRATIONS_RUN', true),
  };

  // Secrets: the environment wins; development falls back to the data directory.
  const fromEnv: DevSecrets = {
    TOKEN_ENCRYPTION_KEYS: r.raw('TOKEN_ENCRYPTION_KEYS') ?? (r.raw('TOKEN_ENCRYPTION_KEY') ? `k1:${r.raw('TOKEN_ENCRYPTION_KEY')}` : undefined),
    SESSION_JWT_SECRET: r.raw('SESSION_JWT_SECRET'),
    SERVICE_JWT_SECRET: r.raw('SERVICE_JWT_SECRET'),
  };
  if (r.raw('TOKEN_ENCRYPTION_KEYS') && r.raw('TOKEN_ENCRYPTION_KEY')) {
    r.problems.push('TOKEN_ENCRYPTION_KEY and TOKEN_ENCRYPTION_KEYS are both set; keep only TOKEN_ENCRYPTION_KEYS');
  }
  const missing = (Object.keys(fromEnv) as (keyof DevSecrets)[]).filter((k) => !fromEnv[k]);
  let devSecrets = { used: [] as string[], generated: [] as string[] };
  let secrets = fromEnv;
  if (missing.length > 0) {
    if (!dev.allowed) {
      for (const name of missing) {
        const what = name === 'TOKEN_ENCRYPTION_KEYS' ? 'TOKEN_ENCRYPTION_KEYS (or TOKEN_ENCRYPTION_KEY)' : name;
        r.problems.push(isProduction && nodeEnvSet ? `${what} is required in production` : `${what} is required: ${dev.reason} (development secrets are generated only then)`);
      }
    } else if (r.problems.length === 0) {
      const generatedDev = loadOrCreateDevSecrets(dataDir, missing);
      secrets = { ...fromEnv, ...Object.fromEntries(missing.map((k) => [k, generatedDev.secrets[k]])) };
      devSecrets = { used: missing, generated: generatedDev.generated };
    }
  }

  const keyVar = r.raw('TOKEN_ENCRYPTION_KEYS') || !r.raw('TOKEN_ENCRYPTION_KEY') ? 'TOKEN_ENCRYPTION_KEYS' : 'TOKEN_ENCRYPTION_KEY';
  const encryptionKeys = secrets.TOKEN_ENCRYPTION_KEYS ? parseKeyRing(keyVar, secrets.TOKEN_ENCRYPTION_KEYS, r.problems) : [];
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
    startupWarnings: dev.allowed || (nodeEnvSet && isProduction) ? [] : refusedConveniences(dev.reason!, { demo: demoWanted, admin: !nodeEnvSet || nodeEnv === 'development' }),
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
    refresh,
    internalPort,
    webhook,
    logLevel,
    logFormat: logFormat as 'json' | 'pretty',
    bodyLimit,
    trustProxy,
    corsOrigins,
    devSecrets,
  };
}
