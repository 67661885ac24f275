import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// The Content-Security-Policy: inline scripts only on /docs (Swagger UI). The pages that run
// without them (admin UI, reference settings page, demo consent page) are driven in Chromium and
// must work with no CSP violation.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const skipReason = !existsSync(CHROMIUM)
  ? `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`
  : !existsSync(join(process.cwd(), 'admin', 'dist', 'index.html'))
    ? 'admin/dist is missing (run npm run admin:build)'
    : null;
if (skipReason) console.warn(`CSP browser tests skipped: ${skipReason}`);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const scriptSrc = (csp: string | null) => /(?:^|;)\s*script-src ([^;]*)/.exec(csp ?? '')?.[1]?.trim();

describe('Content-Security-Policy', () => {
  let t: TestApp;
  beforeAll(async () => {
    const port = await freePort();
    t = await startTestApp({ env: { DEMO_PROVIDER: 'on', PORT: String(port), APP_URL: `http://127.0.0.1:${port}`, REFRESH_CRON: 'off' } });
  });
  afterAll(() => t?.close());

  it('allows inline scripts on /docs only', async () => {
    const csp = async (path: string) => (await fetch(`${t.url}${path}`)).headers.get('content-security-policy');
    expect(scriptSrc(await csp('/docs'))).toBe("'self' 'unsafe-inline'");
    for (const path of ['/admin', '/admin/connections', '/my/settings/social', '/social/platforms', '/health', '/docsx']) {
      expect([path, scriptSrc(await csp(path))]).toEqual([path, "'self'"]);
    }
    // The demo consent page runs no script at all.
    const connect = await fetch(`${t.url}/social/demo/connect-url`, { headers: { authorization: `Bearer ${t.userToken('csp-user')}` } });
    const { url } = (await connect.json()) as { url: string };
    const consent = (await fetch(url)).headers.get('content-security-policy')!;
    expect(consent).toMatch(/default-src 'none'/);
    expect(consent).not.toMatch(/script-src/);
  });

  (skipReason ? describe.skip : describe)('in Chromium', () => {
    let browser: Browser;
    let page: Page;
    const violations: string[] = [];
    beforeAll(async () => {
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await (await browser.newContext()).newPage();
      page.setDefaultTimeout(15_000);
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to (execute|load)/i.test(m.text())) violations.push(m.text());
      });
      page.on('pageerror', (e) => violations.push(`pageerror: ${e.message}`));
    }, 60_000);
    afterAll(() => browser?.close());

    it('the settings page and the demo consent page connect the demo provider', async () => {
      await page.goto(`${t.url}/my/settings/social`);
      await page.fill('#dev-user', 'browser-user');
      await page.click('#dev-signin button[type=submit]');
      await page.locator('#platforms li', { hasText: 'Demo provider' }).getByRole('button', { name: 'Connect' }).click();
      await page.waitForURL(/\/demo-provider\/authorize/);
      await page.fill('#account', 'browser-account');
      await page.click('button[value=allow]');
      await page.waitForURL(/\/my\/settings\/social/);
      await page.locator('#message', { hasText: 'Connected Demo provider as browser-account' }).waitFor();
      expect(violations).toEqual([]);
    });

    it('the admin UI renders its sign-in page', async () => {
      await page.goto(`${t.url}/admin`);
      await page.getByTestId('signin-password').waitFor();
      expect(violations).toEqual([]);
    });

    it('Swagger UI renders the API on /docs', async () => {
      await page.goto(`${t.url}/docs`);
      await page.locator('.opblock').first().waitFor();
      expect(violations).toEqual([]);
    });
  });
});
