// Provider strings on their way to logs, API messages and columns; the logger's one-line guarantee;
// provider JSON keeping integers beyond 2^53.
import { AppLogger } from '../../src/common/app-logger.js';
import { escapeControl, safeCode, safeDisplayText } from '../../src/common/safe-text.js';
import { parseProviderJson } from '../../src/providers/provider-json.js';

const FORGED = 'foo\r\nFAKE LOG LINE';
const BREAKS = /[\r\n\u0085\u2028\u2029]/;

describe('safe text', () => {
  it('codes keep letters, digits and _ . : / -, every other run becomes _, at most 64 characters', () => {
    expect(safeCode(FORGED)).toBe('foo_FAKE_LOG_LINE');
    expect(safeCode('OAuthException/190')).toBe('OAuthException/190');
    expect(safeCode('x'.repeat(10_000))).toHaveLength(64);
    expect(safeCode('\r\n')).toBeUndefined();
    expect(safeCode(42)).toBeUndefined();
  });

  it('display text loses controls, bidi overrides and line separators, collapses spaces, and is cut by code point', () => {
    expect(safeDisplayText(`  eve\r\n\u202eFAKE\u0000\u2028LINE\u0085 `)).toBe('eve FAKE LINE');
    expect(safeDisplayText('Zoë 😀')).toBe('Zoë 😀');
    const long = safeDisplayText('😀'.repeat(1000))!;
    expect(Array.from(long)).toHaveLength(255);
    expect(long).not.toMatch(/[\ud800-\udbff]$/); // no half surrogate pair at the cut
    expect(safeDisplayText('\ud800lone')).toBe('\ufffdlone');
    expect(safeDisplayText('\u0000\r\n')).toBeNull();
    expect(safeDisplayText(12)).toBe('12');
    expect(safeDisplayText(1e300)).toBeNull();
  });

  it('escapeControl shows what was sent without breaking the line', () => {
    expect(escapeControl(`${FORGED}\t\u2028\u0000`)).toBe('foo\\r\\nFAKE LOG LINE\\t\\u2028\\u0000');
  });
});

describe('the logger writes every event on one line', () => {
  const hostile = { message: `connect failed: ${FORGED}`, field: `user\r\n\u2028${FORGED}`, context: `Ctx\nFAKE` };

  it.each(['pretty', 'json'] as const)('%s: CR, LF, NEL and U+2028 in the message, fields and context are escaped', (format) => {
    const lines: string[] = [];
    const logger = new AppLogger('debug', format, (l) => lines.push(l));
    logger.warn(hostile.message, { username: hostile.field }, hostile.context);
    logger.error(`nested\u0085${FORGED}`, 'Ctx');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toMatch(BREAKS);
    expect(lines[0]).toContain('FAKE LOG LINE');
    if (format === 'json') {
      const parsed = JSON.parse(lines[0]!);
      expect(parsed).toMatchObject({ msg: hostile.message, username: hostile.field, context: hostile.context });
    } else {
      expect(lines[0]).toContain('connect failed: foo\\r\\nFAKE LOG LINE');
    }
  });
});

describe('provider JSON', () => {
  it('keeps the exact digits of integers beyond 2^53 as strings, anywhere in the document', () => {
    expect(parseProviderJson('{"id":17841405793187219,"n":[-98765432109876543210],"ok":9007199254740991,"f":1.5e3}')).toEqual({
      id: '17841405793187219',
      n: ['-98765432109876543210'],
      ok: 9007199254740991,
      f: 1500,
    });
  });

  it('leaves digits inside strings, keys and escaped quotes alone', () => {
    const text = '{"a\\"12345678901234567890":"12345678901234567890 \\" 12345678901234567891","b":{"c":12345678901234567892}}';
    expect(parseProviderJson(text)).toEqual({ 'a"12345678901234567890': '12345678901234567890 " 12345678901234567891', b: { c: '12345678901234567892' } });
  });

  it('never makes invalid JSON valid', () => {
    expect(() => parseProviderJson('{"id":012345678901234567890}')).toThrow(SyntaxError);
    expect(() => parseProviderJson('{"id":12345678901234567890')).toThrow(SyntaxError);
  });
});
