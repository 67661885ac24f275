// The schema (src/config/config.schema.ts) is what loadConfig parses and defaults from: these tests
// hold the two together, and check the ms/bytes-based parsers' accepted forms and messages.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV, ENV_SPECS } from '../../src/config/config.schema.js';
import { EnvReader } from '../../src/config/env-reader.js';
import { loadConfig } from '../../src/config/load-config.js';
import { configProblems } from '../helpers/config-problems.js';
import { configTable } from '../../scripts/config-table.js';

const base = () => ({ NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'oc-schema-')) });

const problemsOf = (env: Record<string, string>): string[] => configProblems({ ...base(), ...env });

describe('configuration schema', () => {
  it('loadConfig reads exactly the variables the schema declares', () => {
    const read = new Set<string>();
    const env = new Proxy(base() as Record<string, string | undefined>, {
      get: (target, key) => {
        if (typeof key === 'string') read.add(key);
        return target[key as string];
      },
    });
    // With a features hook, as src/startup-config.ts passes one (PROVIDERS_FILE is read for it).
    loadConfig(env, () => ({ demoProviderWanted: false }));
    expect([...read].sort()).toEqual(ENV_SPECS.map((s) => s.name).sort());
  });

  it('every default is read by its own parser, under development and production rules', () => {
    for (const nodeEnv of ['development', 'production']) {
      const reader = new EnvReader({ NODE_ENV: nodeEnv });
      for (const { name } of ENV_SPECS) reader.get(name);
      expect(reader.problems).toEqual([]);
    }
    const dev = new EnvReader({ NODE_ENV: 'development' });
    const prod = new EnvReader({});
    expect([dev.get('HOST'), prod.get('HOST')]).toEqual(['127.0.0.1', '0.0.0.0']);
    expect([dev.get('LOG_FORMAT'), prod.get('LOG_FORMAT')]).toEqual(['pretty', 'json']);
    expect(dev.get('OAUTH_REDIRECT_URI')).toBe('http://localhost:3000/my/settings/social');
    expect(new EnvReader({ PORT: '4000', APP_URL: 'https://x.example/' }).get('OAUTH_REDIRECT_URI')).toBe('https://x.example/my/settings/social');
  });

  it('the README table shows each default as the schema documents it', () => {
    const row = (name: string) =>
      configTable()
        .split('\n')
        .find((line) => line.startsWith(`| \`${name}\` |`));
    expect(row('HOST')).toContain(`| \`${ENV.HOST.docDefault}\` |`);
    expect(row('REFRESH_WINDOW')).toContain('| `2h` |');
    expect(row('DATABASE_URL')).toContain('| — |');
  });

  it('reads durations in ms notation, as whole non-negative milliseconds', () => {
    const refresh = (value: string) => loadConfig({ ...base(), REFRESH_WINDOW: value }).refresh.windowMs;
    expect(refresh('90s')).toBe(90_000);
    expect(refresh('1.5h')).toBe(5_400_000);
    expect(refresh('2 hours')).toBe(7_200_000);
    expect(refresh('1500')).toBe(1500);
    expect(loadConfig(base()).refresh).toMatchObject({
      windowMs: 2 * 3_600_000,
      scheduledWindowMs: 6 * 3_600_000,
      runBudgetMs: 300_000,
      idleMaxMs: 30 * 86_400_000,
    });
    for (const bad of ['-1h', '1.5ms', '10x', 'soon']) {
      expect(problemsOf({ REFRESH_WINDOW: bad })).toEqual([`REFRESH_WINDOW must be a duration such as 30s, 10m, 2h or 1d (got "${bad}")`]);
    }
    expect(problemsOf({ DEMO_ACCESS_TOKEN_TTL: '2d' })).toEqual(['DEMO_ACCESS_TOKEN_TTL must be between 10s and 1d (got "2d")']);
  });

  it('reads BODY_LIMIT in bytes notation', () => {
    const limit = (value?: string) => loadConfig({ ...base(), ...(value ? { BODY_LIMIT: value } : {}) }).bodyLimit;
    expect(limit()).toBe(64 * 1024);
    expect(limit('1mb')).toBe(1024 * 1024);
    expect(limit('1.5KB')).toBe(1536);
    expect(limit('100')).toBe(100);
    expect(limit('100b')).toBe(100);
    for (const bad of ['12abc', '0', '-1kb', 'big'])
      expect(problemsOf({ BODY_LIMIT: bad })).toEqual([`BODY_LIMIT must be a size such as 64kb or 1mb (got "${bad}")`]);
  });

  it('never echoes a secret variable, or a URL that may carry credentials', () => {
    const problems = problemsOf({ DATABASE_URL: 'mysql://app:hunter2-password@db.example/app', WEBHOOK_URL: 'ftp://user:webhook-password@hooks.example' });
    expect(problems).toEqual([
      'DATABASE_URL must be a URL starting with postgres:// or postgresql://',
      'WEBHOOK_URL must be a URL starting with http:// or https://',
    ]);
  });
});
