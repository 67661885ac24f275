/**
 * The single source of truth for every environment variable the service reads.
 * The README's configuration table is checked against this list by a test.
 */
export type EnvSpec = {
  name: string;
  default?: string;
  description: string;
  /** Secret values are never echoed back in error messages. */
  secret?: boolean;
};

export const ENV_SPECS: readonly EnvSpec[] = [
  { name: 'NODE_ENV', description: '`development`, `production` or `test`. Unset runs with production rules (`npm start` sets `development`). Production requires every secret and `DATABASE_URL`, and logs JSON. The development conveniences (`/my/dev-session`, the demo provider, generated secrets, the development admin) need `development` or `test` **and** a loopback `HOST`.' },
  { name: 'PORT', default: '3000', description: 'HTTP port of the public API.' },
  { name: 'HOST', default: '127.0.0.1 (0.0.0.0 in production or with NODE_ENV unset)', description: 'Interface the HTTP server (and INTERNAL_PORT) binds to. The development conveniences are served only on loopback (`127.0.0.1`, `::1`, `localhost`).' },
  { name: 'APP_URL', default: 'http://localhost:$PORT', description: 'Public base URL of the service, used to build redirect URIs.' },
  { name: 'DATA_DIR', default: './.data', description: 'Where the embedded database and generated development secrets live.' },
  { name: 'DATABASE_URL', description: 'Postgres URL (`postgres://user:pass@host:5432/db`). Unset: an embedded PGlite database in `DATA_DIR/pg` (development and test only; required in production).', secret: true },
  { name: 'DB_POOL_SIZE', default: '10', description: 'Maximum connections in the database pool.' },
  { name: 'DB_STATEMENT_TIMEOUT_MS', default: '15000', description: 'Postgres `statement_timeout` for the service\'s connections (0 disables).' },
  { name: 'DB_LOCK_TIMEOUT_MS', default: '5000', description: 'Postgres `lock_timeout` for the service\'s connections: a statement that waits longer for a lock fails with `503 database_busy` instead of queueing behind it (0 disables; migrations always wait).' },
  { name: 'DB_SSL', default: 'false', description: '`true` to require TLS to Postgres and verify its certificate chain and host name (the CA must be trusted by Node, e.g. through `NODE_EXTRA_CA_CERTS`); `no-verify` requires TLS without checking the certificate (not recommended).' },
  { name: 'MIGRATIONS_RUN', default: 'true', description: 'Run pending migrations at startup. Set `false` when a deploy step runs `npm run migration:run`.' },
  { name: 'TOKEN_ENCRYPTION_KEYS', description: 'Key ring `kid1:hex64,kid2:hex64`. The first key encrypts; the others only decrypt.', secret: true },
  { name: 'TOKEN_ENCRYPTION_KEY', description: 'Simple form of the key ring: one 64-character hex key, key id `k1`.', secret: true },
  { name: 'SESSION_JWT_SECRET', description: 'HS256 secret for user session JWTs (at least 32 characters in production).', secret: true },
  { name: 'SESSION_JWT_MAX_TTL', default: '24h', description: 'Longest accepted session JWT lifetime (`exp - iat`); a session JWT without `iat` or living longer is refused with 401.' },
  { name: 'ADMIN_SESSION_JWT', default: 'false', description: '`true` lets a session JWT with `role: "admin"` use admin routes (the old way, for existing setups): anyone holding SESSION_JWT_SECRET can then mint admin access. Off by default; use admin API keys (`npm run admin:create -- --api-key`).' },
  { name: 'SERVICE_JWT_SECRET', description: 'HS256 secret for service JWTs used on internal routes (at least 32 characters in production).', secret: true },
  { name: 'OAUTH_REDIRECT_URI', default: '$APP_URL/my/settings/social', description: 'Where providers send users back after consent (your settings page). A provider entry may override it with `redirectUri`.' },
  { name: 'PROVIDERS_FILE', description: 'JSON file declaring custom OAuth 2.0 providers and overriding built-in ones (see Providers).' },
  { name: 'DEMO_PROVIDER', default: 'auto', description: '`auto`, `on` or `off`: the `demo` platform, a small OAuth 2.1 server inside this service (`/demo-provider`) for trying the flow; its grants are kept in the database. `auto` enables it in development when no other provider is configured, `on` in development and test, both only on a loopback HOST. Never in production (`on` there is an error).' },
  { name: 'DEMO_ACCESS_TOKEN_TTL', default: '5m', description: 'Lifetime of the demo provider\'s access tokens, short so refreshes show within minutes.' },
  { name: 'PROVIDER_HTTP_TIMEOUT_MS', default: '10000', description: 'Total timeout of one request to a provider.' },
  { name: 'PROVIDER_CONNECT_TIMEOUT_MS', default: '3000', description: 'TCP/TLS connect timeout to a provider.' },
  { name: 'CONNECT_STATE_TTL', default: '10m', description: 'How long a connect-url state stays valid.' },
  { name: 'REFRESH_WINDOW', default: '2h', description: 'Lazy refresh: a token expiring sooner than this is refreshed before it is handed out (capped at half the token\'s lifetime).' },
  { name: 'SCHEDULED_REFRESH_WINDOW', default: '6h', description: 'Scheduled refresh: connections whose access token expires within this window are refreshed by the cron job.' },
  { name: 'REFRESH_CRON', default: '*/10 * * * *', description: 'Cron expression of the scheduled refresh, or `off`.' },
  { name: 'REFRESH_RUN_BUDGET', default: '5m', description: 'A scheduled run stops claiming work after this long, so runs never pile up.' },
  { name: 'REFRESH_CONCURRENCY', default: '20', description: 'Scheduled refreshes in flight at once, per instance.' },
  { name: 'REFRESH_CONCURRENCY_PER_PROVIDER', default: '10', description: 'Scheduled refreshes in flight at once for one provider, per instance.' },
  { name: 'REFRESH_IDLE_MAX', default: '30d', description: 'Refresh connections whose refresh token has not been used for this long (providers revoke unused ones).' },
  { name: 'INTERNAL_PORT', description: 'When set, the internal-token endpoint is served only on this port (keep it off the public network).' },
  { name: 'WEBHOOK_URL', description: 'Receiver of connection events (POST, JSON, signed). Unset: no events are recorded.' },
  { name: 'WEBHOOK_SECRET', description: 'Secret for the `X-Signature` header (`sha256=<hex>` HMAC of the body). Required with WEBHOOK_URL.', secret: true },
  { name: 'LOG_LEVEL', default: 'info', description: '`error`, `warn`, `info`, `debug` or `verbose`.' },
  { name: 'LOG_FORMAT', default: 'pretty (json in production)', description: '`json` or `pretty`.' },
  { name: 'BODY_LIMIT', default: '64kb', description: 'Maximum request body size.' },
  { name: 'CORS_ORIGINS', description: 'Comma-separated exact origins (`https://app.example.com`) whose pages may call the API from the browser (CORS, with the `Authorization` header; no cookies). Unset: none; same-origin pages and servers need no entry.' },
  { name: 'TRUST_PROXY', default: 'false', description: 'Which proxies may set `X-Forwarded-For` (client addresses feed the sign-in rate limit): `false`, the number of proxy hops in front of the service, or a comma-separated list of proxy addresses/CIDRs (`loopback`, `uniquelocal` work). Never `true`: it would let any client pick its address.' },
];
