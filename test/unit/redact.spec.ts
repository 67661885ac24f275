import { AppLogger } from '../../src/common/app-logger.js';
import { redact, redactString } from '../../src/common/redact.js';

describe('redaction', () => {
  it('scrubs token-shaped content from strings', () => {
    const text = redactString(
      'POST https://p/token?code=abc123&state=s1 body grant_type=refresh_token&refresh_token=rt-999&client_secret=cs-1 ' +
        'Authorization: Bearer at-555 {"access_token":"at-777","expires_in":3600} eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
    );
    for (const secret of ['abc123', 'rt-999', 'cs-1', 'at-555', 'at-777', 'eyJhbGciOiJIUzI1NiJ9']) expect(text).not.toContain(secret);
    expect(text).toContain('state=s1');
    expect(text).toContain('"expires_in":3600');
  });

  it('scrubs admin API keys wherever they appear', () => {
    const key = `oca_${'3f'.repeat(32)}`;
    expect(redactString(`created ${key} for ops`)).toBe('created [REDACTED] for ops');
  });

  it('replaces sensitive keys at any depth, case-insensitively', () => {
    const out = redact({ headers: { Authorization: 'Bearer x', Cookie: 'sid=1' }, body: { code_verifier: 'v', nested: [{ refresh_token: 'r' }] }, ok: 1 });
    expect(out).toEqual({
      headers: { Authorization: '[REDACTED]', Cookie: '[REDACTED]' },
      body: { code_verifier: '[REDACTED]', nested: [{ refresh_token: '[REDACTED]' }] },
      ok: 1,
    });
  });

  it('the logger writes JSON lines without secrets', () => {
    const lines: string[] = [];
    const logger = new AppLogger('debug', 'json', (l) => lines.push(l));
    logger.warn('refresh failed: {"error":"invalid_grant","refresh_token":"rt-secret"}', { client_secret: 'cs', platform: 'x' }, 'Refresh');
    logger.debug('hidden?', 'Ctx');
    const parsed = JSON.parse(lines[0]!);
    expect(parsed).toMatchObject({ level: 'warn', context: 'Refresh', client_secret: '[REDACTED]', platform: 'x' });
    expect(lines.join('\n')).not.toMatch(/rt-secret|"cs"/);
    expect(lines).toHaveLength(2);
    const quiet: string[] = [];
    new AppLogger('warn', 'json', (l) => quiet.push(l)).debug('nope');
    expect(quiet).toHaveLength(0);
  });

  it.each(['json', 'pretty'] as const)('never lets a provider string forge a log line (%s)', (format) => {
    const lines: string[] = [];
    const logger = new AppLogger('info', format, (l) => lines.push(l));
    logger.warn('provider said: ok\r\n2026-01-01T00:00:00.000Z ERROR [Main] forged\u2028x', { detail: 'a\nb' }, 'Refresh\r\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\r\n\u2028]/);
    if (format === 'json') expect(JSON.parse(lines[0]!)).toMatchObject({ msg: expect.stringContaining('forged'), context: 'Refresh\r\n' });
    else expect(lines[0]).toContain('ok\\r\\n2026-01-01T00:00:00.000Z ERROR [Main] forged');
  });

  it('writes Fastify-style object lines through the same redaction', () => {
    const lines: string[] = [];
    const logger = new AppLogger('info', 'json', (l) => lines.push(l));
    logger.pino.info({ req: { headers: { authorization: 'Bearer at-1', cookie: 'oc_admin=s' } }, access_token: 'at-2' }, 'incoming code=abc123');
    expect(lines.join('\n')).not.toMatch(/at-1|at-2|oc_admin=s|abc123/);
  });
});
