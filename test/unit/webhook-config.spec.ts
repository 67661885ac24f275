import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { configProblems } from '../helpers/config-problems.js';

const base = () => ({ NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'oc-webhook-config-')), WEBHOOK_URL: 'https://hooks.example/in' });
const b64 = (n: number, fill = 1) => Buffer.alloc(n, fill).toString('base64');

const problemsOf = (env: Record<string, string>): string[] => configProblems({ ...base(), ...env });

describe('webhook configuration', () => {
  it('takes a whsec_ secret as its decoded bytes and a raw one as its UTF-8 bytes', () => {
    const spec = loadConfig({ ...base(), WEBHOOK_SECRET: `whsec_${b64(32)}` }).webhook.secrets;
    expect(spec).toEqual([{ text: `whsec_${b64(32)}`, key: Buffer.alloc(32, 1) }]);
    const raw = loadConfig({ ...base(), WEBHOOK_SECRET: 'raw-secret-of-earlier-releases' }).webhook.secrets;
    expect(raw).toEqual([{ text: 'raw-secret-of-earlier-releases', key: Buffer.from('raw-secret-of-earlier-releases') }]);
  });

  it('takes two secrets separated by a space during a rotation, the new one first', () => {
    const secrets = loadConfig({ ...base(), WEBHOOK_SECRET: `  whsec_${b64(24, 2)}   raw-secret-of-earlier-releases ` }).webhook.secrets;
    expect(secrets.map((s) => s.text)).toEqual([`whsec_${b64(24, 2)}`, 'raw-secret-of-earlier-releases']);
  });

  it('refuses malformed secrets at startup, naming WEBHOOK_SECRET and never echoing it', () => {
    const cases: [string, RegExp][] = [
      [`whsec_${b64(16)}`, /^WEBHOOK_SECRET starts with whsec_, so the rest must be the base64 of 24 to 64 random bytes \(it decodes to 16 bytes\)/],
      [`whsec_${b64(65)}`, /decodes to 65 bytes/],
      ['whsec_not*base64!but-long-enough-to-matter', /\(it is not base64\)/],
      ['short-secret', /^WEBHOOK_SECRET must be at least 16 characters \(got 12\)/],
      [`whsec_${b64(32)} whsec_${b64(32, 3)} whsec_${b64(32, 4)}`, /^WEBHOOK_SECRET holds at most two secrets .* \(got 3\)/],
      [`whsec_${b64(32)} whsec_${b64(32)}`, /^WEBHOOK_SECRET holds the same secret twice/],
      [`whsec_${b64(32)} tiny`, /^WEBHOOK_SECRET \(secret 2\) must be at least 16 characters/],
    ];
    for (const [value, message] of cases) {
      const problems = problemsOf({ WEBHOOK_SECRET: value });
      expect(problems).toEqual([expect.stringMatching(message)]);
      for (const part of value.split(' ')) expect(problems.join('\n')).not.toContain(part.replace(/^whsec_/, ''));
    }
    expect(problemsOf({})).toEqual(['WEBHOOK_SECRET is required when WEBHOOK_URL is set']);
  });

  it('reads WEBHOOK_MAX_AGE as a duration of 1 minute to 30 days, 3 days by default', () => {
    const maxAge = (value?: string) =>
      loadConfig({ ...base(), WEBHOOK_SECRET: `whsec_${b64(32)}`, ...(value ? { WEBHOOK_MAX_AGE: value } : {}) }).webhook.maxAgeMs;
    expect(maxAge()).toBe(3 * 86_400_000);
    expect(maxAge('12h')).toBe(12 * 3_600_000);
    expect(problemsOf({ WEBHOOK_SECRET: `whsec_${b64(32)}`, WEBHOOK_MAX_AGE: '10s' })).toEqual(['WEBHOOK_MAX_AGE must be between 1m and 30d (got "10s")']);
    expect(problemsOf({ WEBHOOK_SECRET: `whsec_${b64(32)}`, WEBHOOK_MAX_AGE: 'soon' })).toEqual([expect.stringMatching(/^WEBHOOK_MAX_AGE must be a duration/)]);
  });
});
