import {
  bool,
  choice,
  cronOrOff,
  duration,
  int,
  oneOf,
  origins,
  type Parser,
  path,
  returnUrls,
  size,
  text,
  trustProxy,
  url,
  webhookSecrets,
} from './env-parsers.js';

/**
 * The single source of truth for every environment variable the service reads: its parser (and so
 * its type), its default and its description. loadConfig reads variables only through this schema,
 * and the README's configuration table is generated from it (`npm run docs:config`; a test checks).
 */
export type EnvSpec<T> = {
  parse: Parser<T>;
  /**
   * The value used when the variable is unset, written as the variable would be and read by the same
   * parser. `$NAME` stands for another variable's value (`http://localhost:$PORT`).
   */
  default?: string;
  /** Used instead of `default` under production rules (NODE_ENV=production, or NODE_ENV unset). */
  productionDefault?: string;
  /** The README's wording of the default, where it says more than `default`. */
  docDefault?: string;
  /** Secret values are never echoed back in error messages. */
  secret?: boolean;
  description: string;
};

export const ENV = {
  NODE_ENV: {
    default: 'production',
    parse: oneOf(['development', 'production', 'test']),
    description:
      '`development`, `production` or `test`. Unset runs with production rules (`npm start` sets `development`). Production requires every secret and `DATABASE_URL`, and logs JSON. The development conveniences (`/my/dev-session`, the demo provider, generated secrets, the development admin) need `development` or `test` **and** a loopback `HOST`.',
  },
  PORT: { default: '3000', parse: int(0, 65535), description: 'HTTP port of the public API.' },
  HOST: {
    default: '127.0.0.1',
    productionDefault: '0.0.0.0',
    docDefault: '127.0.0.1 (0.0.0.0 in production or with NODE_ENV unset)',
    parse: text(),
    description:
      'Interface the HTTP server (and INTERNAL_PORT) binds to. The development conveniences are served only on loopback (`127.0.0.1`, `::1`, `localhost`).',
  },
  APP_URL: { default: 'http://localhost:$PORT', parse: url(['http:', 'https:']), description: 'Public base URL of the service, used to build redirect URIs.' },
  DATA_DIR: { default: './.data', parse: path(), description: 'Where the embedded database and generated development secrets live.' },
  DATABASE_URL: {
    parse: url(['postgres:', 'postgresql:']),
    secret: true,
    description:
      'Postgres URL (`postgres://user:pass@host:5432/db`). Unset: an embedded PGlite database in `DATA_DIR/pg` (development and test only; required in production).',
  },
  DB_POOL_SIZE: { default: '10', parse: int(1, 500), description: 'Maximum connections in the database pool.' },
  DB_STATEMENT_TIMEOUT_MS: {
    default: '15000',
    parse: int(0, 3_600_000),
    description: "Postgres `statement_timeout` for the service's connections (0 disables).",
  },
  DB_LOCK_TIMEOUT_MS: {
    default: '5000',
    parse: int(0, 3_600_000),
    description:
      "Postgres `lock_timeout` for the service's connections: a statement that waits longer for a lock fails with `503 database_busy` instead of queueing behind it (0 disables; migrations always wait).",
  },
  DB_SSL: {
    default: 'false',
    parse: choice({ true: 'verify', false: false, verify: 'verify', 'no-verify': 'no-verify' }),
    description:
      '`true` to require TLS to Postgres and verify its certificate chain and host name (the CA must be trusted by Node, e.g. through `NODE_EXTRA_CA_CERTS`); `no-verify` requires TLS without checking the certificate (not recommended).',
  },
  MIGRATIONS_RUN: {
    default: 'true',
    parse: bool(),
    description: 'Run pending migrations at startup. Set `false` when a deploy step runs `npm run migration:run`.',
  },
  TOKEN_ENCRYPTION_KEYS: { parse: text(), secret: true, description: 'Key ring `kid1:hex64,kid2:hex64`. The first key encrypts; the others only decrypt.' },
  TOKEN_ENCRYPTION_KEY: { parse: text(), secret: true, description: 'Simple form of the key ring: one 64-character hex key, key id `k1`.' },
  SESSION_JWT_SECRET: { parse: text(), secret: true, description: 'HS256 secret for user session JWTs (at least 32 characters in production).' },
  SESSION_JWT_MAX_TTL: {
    default: '24h',
    parse: duration({ min: '1m', max: '366d' }),
    description: 'Longest accepted session JWT lifetime (`exp - iat`); a session JWT without `iat` or living longer is refused with 401.',
  },
  ADMIN_SESSION_JWT: {
    default: 'false',
    parse: bool(),
    description:
      '`true` lets a session JWT with `role: "admin"` use admin routes (the old way, for existing setups): anyone holding SESSION_JWT_SECRET can then mint admin access. Off by default; use admin API keys (`npm run admin:create -- --api-key`).',
  },
  SERVICE_JWT_SECRET: {
    parse: text(),
    secret: true,
    description: 'HS256 secret for service JWTs used on internal routes (at least 32 characters in production).',
  },
  OAUTH_REDIRECT_URI: {
    default: '$APP_URL/my/settings/social',
    parse: url(['http:', 'https:']),
    description: 'Where providers send users back after consent (your settings page). A provider entry may override it with `redirectUri`.',
  },
  PROVIDERS_FILE: { parse: text(), description: 'JSON file declaring custom OAuth 2.0 providers and overriding built-in ones (see Providers).' },
  DEMO_PROVIDER: {
    default: 'auto',
    parse: oneOf(['auto', 'on', 'off']),
    description:
      '`auto`, `on` or `off`: the `demo` platform, a small OAuth 2.1 server inside this service (`/demo-provider`) for trying the flow; its grants are kept in the database. `auto` enables it in development when no other provider is configured, `on` in development and test, both only on a loopback HOST. Never in production (`on` there is an error).',
  },
  DEMO_ACCESS_TOKEN_TTL: {
    default: '5m',
    parse: duration({ min: '10s', max: '1d' }),
    description: "Lifetime of the demo provider's access tokens, short so refreshes show within minutes.",
  },
  PROVIDER_HTTP_TIMEOUT_MS: { default: '10000', parse: int(100, 120_000), description: 'Total timeout of one request to a provider.' },
  PROVIDER_CONNECT_TIMEOUT_MS: { default: '3000', parse: int(100, 60_000), description: 'TCP/TLS connect timeout to a provider.' },
  CONNECT_STATE_TTL: { default: '10m', parse: duration(), description: 'How long a connect-url state stays valid.' },
  EXPIRY_WARNING: {
    default: '7d',
    parse: duration({ min: '1h', max: '60d' }),
    description:
      'A grant that ends within this and that nothing can renew without the user (a refresh token near its end, a token that cannot be refreshed) counts as expiring.',
  },
  MAX_CONNECTIONS_PER_PLATFORM: {
    default: '10',
    parse: int(1, 1000),
    description: 'How many accounts of one platform a user may connect (`409 too_many_connections` beyond; a reconnect of a connected account always works).',
  },
  REFRESH_WINDOW: {
    default: '2h',
    parse: duration(),
    description: "Lazy refresh: a token expiring sooner than this is refreshed before it is handed out (capped at half the token's lifetime).",
  },
  SCHEDULED_REFRESH_WINDOW: {
    default: '6h',
    parse: duration(),
    description:
      'Scheduled refresh: connections whose access token expires within this window (capped at half its lifetime, and at its lifetime minus 12 h when a refresh token outlives it) are refreshed by the cron job.',
  },
  REFRESH_CRON: { default: '*/10 * * * *', parse: cronOrOff(), description: 'Cron expression of the scheduled refresh, or `off`.' },
  REFRESH_RUN_BUDGET: { default: '5m', parse: duration(), description: 'A scheduled run stops claiming work after this long, so runs never pile up.' },
  REFRESH_CONCURRENCY: { default: '20', parse: int(1, 1000), description: 'Scheduled refreshes in flight at once, per instance.' },
  REFRESH_CONCURRENCY_PER_PROVIDER: {
    default: '10',
    parse: int(1, 1000),
    description: 'Scheduled refreshes in flight at once for one provider, per instance.',
  },
  REFRESH_RETRY_FLOOR: {
    default: '2s',
    parse: duration({ min: '100ms', max: '5m' }),
    description:
      'When a caller needs a token that has expired and its provider is not failing for everyone (circuit breaker closed), a failed refresh of that connection is retried on demand at most this often, instead of after the scheduled backoff.',
  },
  REFRESH_IDLE_MAX: {
    default: '30d',
    parse: duration(),
    description: 'Refresh connections whose refresh token has not been used for this long (providers revoke unused ones).',
  },
  AUDIT_RETENTION: {
    default: '90d',
    parse: duration({ min: '1h' }),
    description:
      'How long internal-token reads are kept in `token_access_audit` (the admin audit page). Older rows are deleted in the background, in small batches, by one instance at a time.',
  },
  REFRESH_LOG_RETENTION: {
    default: '30d',
    parse: duration({ min: '1h' }),
    description: "How long refresh attempts are kept in `refresh_log` (the admin charts, each connection's history, the admin refresh cooldown).",
  },
  REFRESH_FAILURE_RETENTION: {
    default: '90d',
    parse: duration({ min: '1h' }),
    description: 'How long failed refreshes are kept in `refresh_failures` (the admin failure list).',
  },
  ASSET_SYNC_INTERVAL: {
    default: '1d',
    parse: duration({ min: '1h', max: '30d' }),
    description:
      "How often each connection's Pages, organisations and channels are listed again in the background (one instance per connection at a time); a failed listing is retried sooner.",
  },
  ASSET_RETENTION: {
    default: '30d',
    parse: duration({ min: '1h' }),
    description: 'How long a removed asset (a Page deleted, a role lost) is kept, so a job asking for it hears `asset_removed` rather than `asset_not_found`.',
  },
  WEBHOOK_RETENTION: {
    default: '7d',
    parse: duration({ min: '1h' }),
    description: 'How long delivered webhook events are kept in `webhook_outbox`. Undelivered events stay until they are delivered.',
  },
  INTERNAL_PORT: {
    parse: int(0, 65535),
    description: 'When set, the routes for backend jobs (internal-token, token-rejected) are served only on this port (keep it off the public network).',
  },
  WEBHOOK_URL: { parse: url(['http:', 'https:']), description: 'Receiver of connection events (POST, JSON, signed). Unset: no events are recorded.' },
  WEBHOOK_SECRET: {
    parse: webhookSecrets(),
    secret: true,
    description:
      'Signing secret of the Standard Webhooks `webhook-signature` header (and the legacy `X-Signature`). Required with WEBHOOK_URL. `whsec_<base64 of 24-64 random bytes>` (recommended), or a raw string of at least 16 characters (the form earlier releases took). During a rotation: two secrets separated by a space, the new one first; both sign (see Webhooks).',
  },
  WEBHOOK_MAX_AGE: {
    default: '3d',
    parse: duration({ min: '1m', max: '30d' }),
    description:
      'An event not delivered this long after it was queued stops being retried and becomes a dead letter (admin UI → Webhooks, where it can be redelivered).',
  },
  LOG_LEVEL: { default: 'info', parse: oneOf(['error', 'warn', 'info', 'debug', 'verbose']), description: '`error`, `warn`, `info`, `debug` or `verbose`.' },
  LOG_FORMAT: {
    default: 'pretty',
    productionDefault: 'json',
    docDefault: 'pretty (json in production)',
    parse: oneOf(['json', 'pretty']),
    description: '`json` or `pretty`.',
  },
  BODY_LIMIT: { default: '64kb', parse: size(), description: 'Maximum request body size.' },
  CORS_ORIGINS: {
    parse: origins(),
    description:
      'Comma-separated exact origins (`https://app.example.com`) whose pages may call the API from the browser (CORS, with the `Authorization` header; no cookies). Unset: none; same-origin pages and servers need no entry.',
  },
  CONNECT_RETURN_URLS: {
    parse: returnUrls(),
    description:
      'Where the hosted connect page (`POST /connect-sessions`) may send users back: comma-separated exact origins (`https://app.example.com`: any page on it) or URL prefixes (`https://app.example.com/settings/`: that path and below). A `returnUrl` is compared parsed (scheme, host, port, path), never as text. Unset: no connect session can be created.',
  },
  TRUST_PROXY: {
    default: 'false',
    parse: trustProxy(),
    description:
      'Which proxies may set `X-Forwarded-For` (client addresses feed the sign-in rate limit): `false`, the number of proxy hops in front of the service, or a comma-separated list of proxy addresses/CIDRs (`loopback`, `uniquelocal` work). Never `true`: it would let any client pick its address.',
  },
} satisfies Record<string, EnvSpec<unknown>>;

export type EnvName = keyof typeof ENV;

/** The schema as a list, in the README's order. */
export const ENV_SPECS = Object.entries(ENV).map(([name, spec]) => ({ name: name as EnvName, ...(spec as EnvSpec<unknown>) }));
