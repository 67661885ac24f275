import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config.error.js';
import { loadConfig } from '../../src/config/load-config.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'oc-config-'));
const KEY = 'c'.repeat(64);
const prodSecrets = { TOKEN_ENCRYPTION_KEYS: `k1:${KEY}`, SESSION_JWT_SECRET: 's'.repeat(32), SERVICE_JWT_SECRET: 't'.repeat(32) };

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
    const config = loadConfig({ DATA_DIR: tmp() });
    expect(config.port).toBe(3000);
    expect(config.appUrl).toBe('http://localhost:3000');
    expect(config.nodeEnv).toBe('development');
    expect(config.database.url).toBeUndefined();
    expect(config.database.migrationsRun).toBe(true);
    expect(config.logFormat).toBe('pretty');
  });

  it('takes CORS_ORIGINS as exact origins only', () => {
    expect(loadConfig({ NODE_ENV: 'test', DATA_DIR: tmp(), CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(loadConfig({ NODE_ENV: 'test', DATA_DIR: tmp() }).corsOrigins).toEqual([]);
    for (const bad of ['*', 'https://app.example.com/', 'https://app.example.com/path', 'app.example.com', 'ftp://x.example']) {
      expect(problemsOf({ NODE_ENV: 'test', DATA_DIR: tmp(), CORS_ORIGINS: bad }).join('\n')).toMatch(/^CORS_ORIGINS: .* is not an exact origin/);
    }
  });

  it('derives APP_URL from PORT and strips a trailing slash', () => {
    expect(loadConfig({ DATA_DIR: tmp(), PORT: '4000' }).appUrl).toBe('http://localhost:4000');
    expect(loadConfig({ DATA_DIR: tmp(), APP_URL: 'https://x.example/' }).appUrl).toBe('https://x.example');
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
    expect(problemsOf({ DATA_DIR: tmp(), ...env })).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  it('in production rejects short JWT secrets', () => {
    const problems = problemsOf({ ...prodSecrets, NODE_ENV: 'production', SESSION_JWT_SECRET: 'short' });
    expect(problems).toEqual(['SESSION_JWT_SECRET must be at least 32 characters in production (got 5)']);
  });

  it('in development generates missing secrets once and reuses them', () => {
    const dir = tmp();
    const first = loadConfig({ DATA_DIR: dir });
    expect(first.devSecrets.generated).toEqual(['TOKEN_ENCRYPTION_KEYS', 'SESSION_JWT_SECRET', 'SERVICE_JWT_SECRET']);
    expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const second = loadConfig({ DATA_DIR: dir });
    expect(second.devSecrets).toEqual({ used: first.devSecrets.generated, generated: [] });
    expect(second.encryptionKeys).toEqual(first.encryptionKeys);
    expect(second.sessionJwtSecret).toBe(first.sessionJwtSecret);
    expect(second.serviceJwtSecret).toBe(first.serviceJwtSecret);
    expect(first.encryptionKeys[0]!.key).toMatch(/^[0-9a-f]{64}$/);
    // Environment values win over the file and are not written to it.
    const third = loadConfig({ DATA_DIR: dir, SESSION_JWT_SECRET: 'from-env-secret-value' });
    expect(third.sessionJwtSecret).toBe('from-env-secret-value');
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain('from-env-secret-value');
  });

  it('refuses TRUST_PROXY=true naming the variable and what to set instead', () => {
    const [problem] = problemsOf({ DATA_DIR: tmp(), TRUST_PROXY: 'true' });
    expect(problem).toMatch(/^TRUST_PROXY=true trusts every hop/);
    expect(problem).toMatch(/TRUST_PROXY=1/);
  });

  it('reads TRUST_PROXY as false, a hop count or a list of proxy addresses', () => {
    expect(loadConfig({ DATA_DIR: tmp() }).trustProxy).toBe(false);
    expect(loadConfig({ DATA_DIR: tmp(), TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ DATA_DIR: tmp(), TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,loopback,::1' }).trustProxy).toBe('10.0.0.5,10.1.0.0/16,loopback,::1');
    expect(problemsOf({ DATA_DIR: tmp(), TRUST_PROXY: 'yes' })[0]).toMatch(/TRUST_PROXY must be false, a hop count .*"yes"/);
    expect(problemsOf({ DATA_DIR: tmp(), TRUST_PROXY: '10.0.0.0/99' })[0]).toMatch(/TRUST_PROXY/);
  });

  it('reads SESSION_JWT_MAX_TTL (default 24h) and ADMIN_SESSION_JWT (default off)', () => {
    const defaults = loadConfig({ DATA_DIR: tmp() });
    expect(defaults.sessionJwtMaxTtlSeconds).toBe(86_400);
    expect(defaults.adminSessionJwt).toBe(false);
    const set = loadConfig({ DATA_DIR: tmp(), SESSION_JWT_MAX_TTL: '2h', ADMIN_SESSION_JWT: 'true' });
    expect(set.sessionJwtMaxTtlSeconds).toBe(7200);
    expect(set.adminSessionJwt).toBe(true);
    expect(problemsOf({ DATA_DIR: tmp(), SESSION_JWT_MAX_TTL: '10s' })[0]).toMatch(/SESSION_JWT_MAX_TTL must be between/);
  });
});
