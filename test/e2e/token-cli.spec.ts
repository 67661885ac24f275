import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyJwt } from '@ttoss/auth-core';

// The built CLI (npm test builds dist/ first), as an operator runs it.
const SESSION_SECRET = 'session-secret-for-cli-tests-0123456789';
const env = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'test',
  DATA_DIR: mkdtempSync(join(tmpdir(), 'oc-token-cli-')),
  SESSION_JWT_SECRET: SESSION_SECRET,
  SERVICE_JWT_SECRET: 'service-secret-for-cli-tests-0123456789',
  TOKEN_ENCRYPTION_KEYS: `k1:${'a'.repeat(64)}`,
  ...extra,
});
const run = (args: string[], extra?: Record<string, string>) =>
  spawnSync(process.execPath, ['dist/src/auth/token.cli.js', ...args], { env: env(extra), encoding: 'utf8', timeout: 30_000 });

describe('token:session', () => {
  it('refuses --admin unless ADMIN_SESSION_JWT=true, pointing at admin API keys', () => {
    const res = run(['session', '--sub', 'ops', '--admin']);
    expect(res.status).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/only when ADMIN_SESSION_JWT=true/);
    expect(res.stderr).toMatch(/npm run admin:create -- --email you@example.com --api-key/);
  });

  it('mints a role admin JWT with the opt-in, and never one longer than SESSION_JWT_MAX_TTL', () => {
    const ok = run(['session', '--sub', 'ops', '--admin'], { ADMIN_SESSION_JWT: 'true' });
    expect(ok.status).toBe(0);
    expect(verifyJwt({ token: ok.stdout.trim(), secret: SESSION_SECRET })).toMatchObject({ sub: 'ops', role: 'admin' });
    const long = run(['session', '--sub', 'u', '--ttl', '86401']);
    expect(long.status).toBe(1);
    expect(long.stderr).toMatch(/ttl must be 1\.\.86400 seconds \(SESSION_JWT_MAX_TTL\)/);
  });
});
