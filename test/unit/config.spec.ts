import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config.error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { dataSourceOptions } from '../../src/database/data-source.js';
import { loadStartupConfig } from '../../src/startup-config.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'oc-config-'));
const KEY = 'c'.repeat(64);
const prodSecrets = {
  TOKEN_ENCRYPTION_KEYS: `k1:${KEY}`,
  SESSION_JWT_SECRET: 's'.repeat(32),
  SERVICE_JWT_SECRET: 't'.repeat(32),
  DATABASE_URL: 'postgres://app:pw@db.example/app',
};
const DEV = { NODE_ENV: 'development' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig({ ...DEV, DATA_DIR: tmp() });
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.appUrl).toBe('http://localhost:3000');
    expect(config.nodeEnv).toBe('development');
    expect(config.devConveniences).toBe(true);
    expect(config.startupWarnings).toEqual([]);
    expect(config.database.url).toBeUndefined();
    expect(config.database.migrationsRun).toBe(true);
    expect(config.database.ssl).toBe(false);
    expect(config.logFormat).toBe('pretty');
    expect(loadConfig({ ...prodSecrets, NODE_ENV: 'production' }).host).toBe('0.0.0.0');
  });

  it('validates REFRESH_CRON with the cron parser, naming the variable', () => {
    expect(loadConfig({ NODE_ENV: 'test', DATA_DIR: tmp(), REFRESH_CRON: '*/5 * * * *' }).refresh.cron).toBe('*/5 * * * *');
    expect(loadConfig({ NODE_ENV: 'test', DATA_DIR: tmp(), REFRESH_CRON: 'off' }).refresh.cron).toBeNull();
    for (const bad of ['99 * * * *', '* * * *', 'every minute', '*/0 * * * *']) {
      expect(problemsOf({ NODE_ENV: 'test', DATA_DIR: tmp(), REFRESH_CRON: bad }).join('\n')).toMatch(/^REFRESH_CRON must be a cron expression/m);
    }
  });

  it('takes CORS_ORIGINS as exact origins only', () => {
    expect(loadConfig({ NODE_ENV: 'test', DATA_DIR: tmp(), CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(loadConfig({ NODE_ENV: 'test', DATA_DIR: tmp() }).corsOrigins).toEqual([]);
    for (const bad of ['*', 'https://app.example.com/', 'https://app.example.com/path', 'app.example.com', 'ftp://x.example']) {
      expect(problemsOf({ NODE_ENV: 'test', DATA_DIR: tmp(), CORS_ORIGINS: bad }).join('\n')).toMatch(/^CORS_ORIGINS: .* is not an exact origin/);
    }
  });

  it('derives APP_URL from PORT and strips a trailing slash', () => {
    expect(loadConfig({ ...DEV, DATA_DIR: tmp(), PORT: '4000' }).appUrl).toBe('http://localhost:4000');
    expect(loadConfig({ ...DEV, DATA_DIR: tmp(), APP_URL: 'https://x.example/' }).appUrl).toBe('https://x.example');
  });

  it('with NODE_ENV unset applies production rules: no generated secrets, no embedded database, no conveniences', () => {
    const dir = tmp();
    const problems = problemsOf({ DATA_DIR: dir });
    expect(problems).toEqual([
      expect.stringMatching(/^DATABASE_URL is required: NODE_ENV is not set, so production rules apply/),
      expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS \(or TOKEN_ENCRYPTION_KEY\) is required: NODE_ENV is not set/),
      expect.stringMatching(/^SESSION_JWT_SECRET is required: NODE_ENV is not set/),
      expect.stringMatching(/^SERVICE_JWT_SECRET is required: NODE_ENV is not set/),
    ]);
    expect(existsSync(join(dir, 'secrets.json'))).toBe(false);
    // With the providers and the demo provider (src/startup-config.ts), whose refusal is warned about.
    const config = loadStartupConfig({ ...prodSecrets, DATA_DIR: dir, DEMO_PROVIDER: 'on' });
    expect(config).toMatchObject({ isProduction: true, host: '0.0.0.0', devConveniences: false, demoProvider: { enabled: false }, logFormat: 'json' });
    expect(config.providers.map((p) => p.id)).not.toContain('demo');
    expect(config.startupWarnings).toEqual([
      expect.stringMatching(/^Development sessions \(GET \/my\/dev-session\) are off: NODE_ENV is not set/),
      expect.stringMatching(/^The demo provider \(\/demo-provider\) is off: NODE_ENV is not set/),
      expect.stringMatching(/^No development admin is created: NODE_ENV is not set/),
    ]);
  });

  it.each(['0.0.0.0', '::', '192.168.1.20', 'example.com'])('in development on HOST=%s refuses the conveniences and generated secrets', (host) => {
    const dir = tmp();
    const problems = problemsOf({ ...DEV, HOST: host, DATA_DIR: dir });
    expect(problems).toEqual(
      ['TOKEN_ENCRYPTION_KEYS (or TOKEN_ENCRYPTION_KEY)', 'SESSION_JWT_SECRET', 'SERVICE_JWT_SECRET'].map(
        (name) =>
          `${name} is required: HOST=${host} is not loopback (they are served only on 127.0.0.1, ::1 or localhost) (development secrets are generated only then)`,
      ),
    );
    expect(existsSync(join(dir, 'secrets.json'))).toBe(false);
    const { DATABASE_URL: _unused, ...secrets } = prodSecrets;
    const config = loadStartupConfig({ ...DEV, ...secrets, HOST: host, DATA_DIR: dir });
    expect(config).toMatchObject({ devConveniences: false, demoProvider: { enabled: false }, database: { url: undefined } });
    expect(config.startupWarnings).toHaveLength(3);
    for (const line of config.startupWarnings) expect(line).toContain(`HOST=${host} is not loopback`);
  });

  it.each(['127.0.0.1', '::1', 'localhost', '127.0.0.2'])('in development and test on HOST=%s keeps the conveniences', (host) => {
    expect(loadStartupConfig({ ...DEV, HOST: host, DATA_DIR: tmp() })).toMatchObject({
      devConveniences: true,
      demoProvider: { enabled: true },
      startupWarnings: [],
    });
    expect(loadConfig({ NODE_ENV: 'test', HOST: host, DATA_DIR: tmp() })).toMatchObject({ devConveniences: true, startupWarnings: [] });
  });

  it('in production refuses the embedded database, naming DATABASE_URL', () => {
    const { DATABASE_URL: _unused, ...secrets } = prodSecrets;
    expect(problemsOf({ ...secrets, NODE_ENV: 'production' })).toEqual([
      'DATABASE_URL is required in production (the embedded database is for development and test only)',
    ]);
  });

  it('DB_SSL=true verifies the certificate chain; no-verify is the explicit opt-out', () => {
    const ssl = (value: string) => loadConfig({ ...prodSecrets, NODE_ENV: 'production', DB_SSL: value }).database.ssl;
    expect(ssl('true')).toBe('verify');
    expect(ssl('verify')).toBe('verify');
    expect(ssl('no-verify')).toBe('no-verify');
    expect(ssl('false')).toBe(false);
    const pgSsl = (value: string) =>
      (dataSourceOptions('postgres://x', loadConfig({ ...prodSecrets, NODE_ENV: 'production', DB_SSL: value }).database) as { ssl?: unknown }).ssl;
    expect(pgSsl('true')).toEqual({ rejectUnauthorized: true });
    expect(pgSsl('no-verify')).toEqual({ rejectUnauthorized: false });
    expect(problemsOf({ ...prodSecrets, NODE_ENV: 'production', DB_SSL: 'yes' })).toEqual(['DB_SSL must be one of true, false, verify, no-verify (got "yes")']);
  });

  it('in production names every missing secret', () => {
    const problems = problemsOf({ NODE_ENV: 'production', DATA_DIR: tmp() });
    expect(problems.join('\n')).toMatch(/TOKEN_ENCRYPTION_KEYS/);
    expect(problems.join('\n')).toMatch(/SESSION_JWT_SECRET/);
    expect(problems.join('\n')).toMatch(/SERVICE_JWT_SECRET/);
  });

  it('rejects a 63-character key naming the variable, without echoing it', () => {
    const bad = 'd'.repeat(63);
    const problems = problemsOf({ ...prodSecrets, NODE_ENV: 'production', TOKEN_ENCRYPTION_KEYS: undefined as never, TOKEN_ENCRYPTION_KEY: bad });
    expect(problems).toEqual([expect.stringMatching(/^TOKEN_ENCRYPTION_KEY: .*64 hex characters \(got 63 characters\)/)]);
    expect(problems.join()).not.toContain(bad);
  });

  it('parses a key ring: first key current, all usable for decryption', () => {
    const config = loadConfig({ ...prodSecrets, NODE_ENV: 'production', TOKEN_ENCRYPTION_KEYS: `k2:${'e'.repeat(64)}, k1:${KEY}` });
    expect(config.encryptionKeys.map((k) => k.kid)).toEqual(['k2', 'k1']);
    expect(config.logFormat).toBe('json');
  });

  it('accepts the simple TOKEN_ENCRYPTION_KEY form as kid k1', () => {
    const config = loadConfig({ ...prodSecrets, TOKEN_ENCRYPTION_KEYS: '', TOKEN_ENCRYPTION_KEY: KEY, NODE_ENV: 'production' });
    expect(config.encryptionKeys).toEqual([{ kid: 'k1', key: KEY }]);
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT must be an integer/],
    [{ NODE_ENV: 'staging' }, /^NODE_ENV must be one of/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must be a URL/],
    [{ TOKEN_ENCRYPTION_KEYS: `k1:${KEY},k1:${KEY}` }, /appears twice/],
    [{ TOKEN_ENCRYPTION_KEYS: 'nonsense' }, /^TOKEN_ENCRYPTION_KEYS: entry 1/],
    [{ MIGRATIONS_RUN: 'maybe' }, /^MIGRATIONS_RUN must be true or false/],
    [{ SESSION_JWT_SECRET: 'x'.repeat(40), SERVICE_JWT_SECRET: 'x'.repeat(40) }, /must differ/],
  ])('rejects %o', (env, message) => {
    expect(problemsOf({ ...DEV, DATA_DIR: tmp(), ...env })).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  it('in production rejects short JWT secrets', () => {
    const problems = problemsOf({ ...prodSecrets, NODE_ENV: 'production', SESSION_JWT_SECRET: 'short' });
    expect(problems).toEqual(['SESSION_JWT_SECRET must be at least 32 characters in production (got 5)']);
  });

  it('in development generates missing secrets once and reuses them', () => {
    const dir = tmp();
    const first = loadConfig({ ...DEV, DATA_DIR: dir });
    expect(first.devSecrets.generated).toEqual(['TOKEN_ENCRYPTION_KEYS', 'SESSION_JWT_SECRET', 'SERVICE_JWT_SECRET']);
    expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const second = loadConfig({ ...DEV, DATA_DIR: dir });
    expect(second.devSecrets).toEqual({ used: first.devSecrets.generated, generated: [] });
    expect(second.encryptionKeys).toEqual(first.encryptionKeys);
    expect(second.sessionJwtSecret).toBe(first.sessionJwtSecret);
    expect(second.serviceJwtSecret).toBe(first.serviceJwtSecret);
    expect(first.encryptionKeys[0]!.key).toMatch(/^[0-9a-f]{64}$/);
    // Environment values win over the file and are not written to it.
    const third = loadConfig({ ...DEV, DATA_DIR: dir, SESSION_JWT_SECRET: 'from-env-secret-value' });
    expect(third.sessionJwtSecret).toBe('from-env-secret-value');
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain('from-env-secret-value');
  });

  it('refuses TRUST_PROXY=true naming the variable and what to set instead', () => {
    const [problem] = problemsOf({ DATA_DIR: tmp(), TRUST_PROXY: 'true' });
    expect(problem).toMatch(/^TRUST_PROXY=true trusts every hop/);
    expect(problem).toMatch(/TRUST_PROXY=1/);
  });

  it('reads TRUST_PROXY as false, a hop count or a list of proxy addresses', () => {
    expect(loadConfig({ NODE_ENV: 'test', DATA_DIR: tmp() }).trustProxy).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test', DATA_DIR: tmp(), TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ NODE_ENV: 'test', DATA_DIR: tmp(), TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,loopback,::1' }).trustProxy).toBe(
      '10.0.0.5,10.1.0.0/16,loopback,::1',
    );
    expect(problemsOf({ NODE_ENV: 'test', DATA_DIR: tmp(), TRUST_PROXY: 'yes' })[0]).toMatch(/TRUST_PROXY must be false, a hop count .*"yes"/);
    expect(problemsOf({ NODE_ENV: 'test', DATA_DIR: tmp(), TRUST_PROXY: '10.0.0.0/99' })[0]).toMatch(/TRUST_PROXY/);
  });

  it('reads SESSION_JWT_MAX_TTL (default 24h) and ADMIN_SESSION_JWT (default off)', () => {
    const defaults = loadConfig({ NODE_ENV: 'test', DATA_DIR: tmp() });
    expect(defaults.sessionJwtMaxTtlSeconds).toBe(86_400);
    expect(defaults.adminSessionJwt).toBe(false);
    const set = loadConfig({ NODE_ENV: 'test', DATA_DIR: tmp(), SESSION_JWT_MAX_TTL: '2h', ADMIN_SESSION_JWT: 'true' });
    expect(set.sessionJwtMaxTtlSeconds).toBe(7200);
    expect(set.adminSessionJwt).toBe(true);
    expect(problemsOf({ NODE_ENV: 'test', DATA_DIR: tmp(), SESSION_JWT_MAX_TTL: '10s' })[0]).toMatch(/SESSION_JWT_MAX_TTL must be between/);
  });

  it('src/config is a leaf: it imports no other feature (providers and the demo provider are wired in src/startup-config.ts)', () => {
    const imports = readdirSync('src/config').flatMap((file) =>
      [...readFileSync(join('src/config', file), 'utf8').matchAll(/from '(\.[^']*)'/g)].map((m) => `${file}: ${m[1]}`),
    );
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((line) => !line.includes(': ./'))).toEqual([]);
  });
});
