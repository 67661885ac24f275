import { allowedReturnUrl, withResult } from '../../src/connect-sessions/return-urls.js';
import { loadConfig } from '../../src/config/load-config.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// CONNECT_RETURN_URLS: an open redirect is a defect, so every trick is refused by parsing, not by text.
const ALLOW = ['https://app.example.com', 'https://staging.example.com/settings/', 'http://localhost:5173/connected'];

describe('allowedReturnUrl', () => {
  it.each([
    'https://app.example.com',
    'https://app.example.com/',
    'https://app.example.com/anything/here?x=1#frag',
    'https://APP.example.com/upper-case-host',
    'https://app.example.com:443/default-port',
    'https://staging.example.com/settings/',
    'https://staging.example.com/settings/social?tab=2',
    'http://localhost:5173/connected',
    'http://localhost:5173/connected/deeper',
    'http://localhost:5173/connected?from=x',
  ])('allows %s', (url) => {
    expect(allowedReturnUrl(url, ALLOW)?.href).toBe(new URL(url).href);
  });

  it.each([
    'https://app.example.com.evil.com/',
    'https://app.example.com@evil.com/',
    'https://user:pass@app.example.com/',
    'https://user@app.example.com/',
    'https://evil.com/https://app.example.com',
    'https://evil.com?https://app.example.com',
    '//evil.com',
    '//app.example.com/',
    '/relative/path',
    'app.example.com',
    'javascript:alert(1)//https://app.example.com',
    'JavaScript:alert(document.domain)',
    'data:text/html,<script>alert(1)</script>',
    'http://app.example.com/', // another scheme
    'https://app.example.com:8443/', // another port
    'https://evil-app.example.com/',
    'https://staging.example.com/', // outside the prefix
    'https://staging.example.com/settings', // the prefix is /settings/
    'https://staging.example.com/settings-evil/',
    'https://staging.example.com/settings/../admin',
    'https://staging.example.com/settings/%2e%2e/admin',
    'http://localhost:5173/connected-evil',
    'http://localhost:5173/',
    'https://app.example.com\\@evil.com',
    'https:\\\\evil.com',
    ' https://app.example.com/',
    'https://app.example.com/\n',
    'https://app.example.com\t.evil.com',
    'ftp://app.example.com/',
    '',
  ])('refuses %j', (url) => {
    expect(allowedReturnUrl(url, ALLOW)).toBeUndefined();
  });

  it('allows nothing when the list is empty', () => {
    expect(allowedReturnUrl('https://app.example.com/', [])).toBeUndefined();
  });

  it('adds the result to the query, replacing the same keys, before any fragment', () => {
    expect(withResult('https://app.example.com/s?status=x&keep=1#top', { status: 'connected', platform: 'demo' })).toBe(
      'https://app.example.com/s?status=connected&keep=1&platform=demo#top',
    );
  });
});

describe('CONNECT_RETURN_URLS', () => {
  const env = (value: string) => ({ NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'oc-ru-')), CONNECT_RETURN_URLS: value });

  it('takes origins and URL prefixes', () => {
    expect(loadConfig(env('https://app.example.com, https://staging.example.com/settings/')).connectReturnUrls).toEqual([
      'https://app.example.com',
      'https://staging.example.com/settings/',
    ]);
    expect(loadConfig({ NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'oc-ru-')) }).connectReturnUrls).toEqual([]);
  });

  it.each([
    'https://*.example.com',
    'app.example.com',
    'javascript:alert(1)',
    'https://u:p@app.example.com',
    'https://app.example.com/?x=1',
    'https://app.example.com/#x',
    'ftp://x.example',
  ])('refuses %s, naming the variable', (value) => {
    expect(() => loadConfig(env(value))).toThrow(/CONNECT_RETURN_URLS: .* is not an origin or URL prefix/);
  });
});
