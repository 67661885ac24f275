import { createServer, type Server } from 'node:http';
import { createServer as netServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, textOf } from '../helpers/chromium.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// Hosted connect in Chromium, as an app would use it: the app's page (its own origin) asks its
// backend for a connect session, opens the hosted page in a popup, the user consents at the demo
// provider, and the opener receives the result by postMessage; the connection exists.

if (chromiumMissing) console.warn(`Hosted connect browser tests skipped: ${chromiumMissing}`);
const describeBrowser = chromiumMissing ? describe.skip : describe;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The app: a page that opens the popup, and a "backend" route creating the session with a service JWT. */
function appPage(serviceOrigin: string): string {
  return `<!doctype html><html><body>
<button id="connect">Connect an account</button>
<p id="result"></p>
<script>
  document.getElementById('connect').addEventListener('click', async () => {
    const popup = window.open('', 'oauth-connections', 'popup,width=480,height=720'); // opened on the click, filled in after
    const { url } = await (await fetch('/backend/connect-session', { method: 'POST' })).json();
    popup.location = url;
  });
  window.addEventListener('message', (event) => {
    if (event.origin !== ${JSON.stringify(serviceOrigin)} || event.data?.type !== 'oauth-connections:connect') return;
    document.getElementById('result').textContent = JSON.stringify(event.data);
  });
</script>
</body></html>`;
}

describeBrowser('hosted connect in Chromium', () => {
  let t: TestApp;
  let app: Server;
  let appOrigin: string;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];
  const USER = 'hosted-user';

  const createSession = async (body: Record<string, unknown> = {}) => {
    const res = await fetch(`${t.url}/connect-sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.serviceToken('app-backend')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: USER, platforms: ['demo'], returnUrl: `${appOrigin}/done`, ...body }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { token: string; url: string };
  };

  beforeAll(async () => {
    const [servicePort, appPort] = [await freePort(), await freePort()];
    appOrigin = `http://localhost:${appPort}`; // another origin than the service's 127.0.0.1
    t = await startTestApp({
      env: {
        DEMO_PROVIDER: 'on',
        PORT: String(servicePort),
        APP_URL: `http://127.0.0.1:${servicePort}`,
        CONNECT_RETURN_URLS: appOrigin,
        REFRESH_CRON: 'off',
      },
    });
    app = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/backend/connect-session') {
        createSession().then(
          (s) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: s.url })),
          (e: Error) => res.writeHead(500).end(e.message),
        );
      } else if (req.url?.startsWith('/done')) {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><h1 id="done">Back in the app</h1>');
      } else {
        res.writeHead(200, { 'content-type': 'text/html' }).end(appPage(new URL(t.url).origin));
      }
    });
    await new Promise<void>((resolve) => app.listen(appPort, '127.0.0.1', resolve));
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => app?.close(r));
    await t?.close();
  });

  const watch = (p: Page) => {
    p.on('console', (m) => {
      if (/Content Security Policy|Refused to (execute|load|frame|send form)/i.test(m.text())) violations.push(m.text());
    });
    p.on('pageerror', (e) => violations.push(`pageerror: ${e.message}`));
  };

  it('connects in a popup and posts the result to the opener, which then finds the connection', async () => {
    watch(page);
    await page.goto(appOrigin);
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Connect an account' }).click()]);
    watch(popup);
    await popup.getByRole('button', { name: 'Continue with Demo provider' }).click();
    await popup.locator('#account').fill('popup-account');
    // Listened for before the click: the popup may close before a listener added after it exists.
    const closed = popup.isClosed() ? Promise.resolve() : popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Allow' }).click();
    await closed;

    const message = JSON.parse(await textOf(page.locator('#result'), /connected/)) as Record<string, string>;
    expect(message).toEqual({ type: 'oauth-connections:connect', status: 'connected', connectionId: expect.any(String), platform: 'demo' });
    const list = (await (await fetch(`${t.url}/social/connections`, { headers: { authorization: `Bearer ${t.userToken(USER)}` } })).json()) as {
      connectionId: string;
      username: string;
    }[];
    expect(list).toEqual([expect.objectContaining({ connectionId: message.connectionId, username: 'popup-account' })]);
    expect(violations).toEqual([]);
  });

  it('without a popup, sends the browser back to returnUrl with the result', async () => {
    const s = await createSession();
    const tab = await page.context().newPage();
    watch(tab);
    await tab.goto(s.url);
    await tab.getByRole('button', { name: 'Continue with Demo provider' }).click();
    await tab.locator('#account').fill('popup-account');
    await tab.getByRole('button', { name: 'Allow' }).click();
    await tab.locator('#done').waitFor();
    const back = new URL(tab.url());
    expect(back.origin + back.pathname).toBe(`${appOrigin}/done`);
    expect(Object.fromEntries(back.searchParams)).toEqual({ status: 'connected', connectionId: expect.any(String), platform: 'demo' });
    await tab.close();
    expect(violations).toEqual([]);
  });

  it('shows a clear page for a used, an expired and a tampered link, also at phone width', async () => {
    const phone = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
    watch(phone);
    const used = await createSession();
    await phone.goto(used.url);
    // Fits the phone: no horizontal scrolling.
    expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await phone.getByRole('button', { name: 'Continue with Demo provider' }).click();
    await phone.locator('#account').waitFor();
    await phone.goto(used.url);
    await textOf(phone.locator('h1'), /already used/);
    expect(await phone.getByRole('link', { name: `Back to ${appOrigin}` }).getAttribute('href')).toBe(`${appOrigin}/done?status=error&error=session_used`);

    const expired = await createSession();
    await t.dataSource.query(`UPDATE connect_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = encode(sha256($1::bytea), 'hex')`, [
      expired.token,
    ]);
    await phone.goto(expired.url);
    await textOf(phone.locator('h1'), /has expired/);

    const tampered = await createSession();
    await phone.goto(tampered.url.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')));
    await textOf(phone.locator('h1'), /not valid/);
    expect(await phone.getByRole('alert').textContent()).toMatch(/start connecting again/);
    expect(violations).toEqual([]);
  });

  it('the reference settings page: several accounts, display names, no token expiry, confirmed disconnects, and the hosted variant', async () => {
    const p = await (await browser.newContext()).newPage();
    watch(p);
    await p.goto(`${t.url}/my/settings/social`);
    await p.locator('#dev-user').fill('settings-user');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.locator('#platforms li', { hasText: 'Demo provider' }).getByRole('button', { name: 'Connect' }).click();
    await p.locator('#account').fill('first-account');
    await p.getByRole('button', { name: 'Allow' }).click();
    await p.locator('#message', { hasText: 'Connected Demo provider as first-account' }).waitFor();
    await p.getByRole('button', { name: 'Connect another Demo provider account' }).click();
    await p.locator('#account').fill('second-account');
    await p.getByRole('button', { name: 'Allow' }).click();
    await p.locator('#platforms li', { hasText: 'Demo provider: second-account' }).waitFor();
    const rows = await p.locator('#platforms li').allTextContents();
    expect(rows.filter((r) => r.startsWith('Demo provider: '))).toHaveLength(2);
    expect(rows.join(' ')).not.toMatch(/valid until|expires|token/i);

    // Disconnect asks first: dismissed, nothing happens; accepted, that one account goes.
    const first = p.locator('#platforms li', { hasText: 'Demo provider: first-account' });
    p.once('dialog', (d) => void d.dismiss());
    await first.getByRole('button', { name: 'Disconnect' }).click();
    await p.locator('#platforms button[aria-busy=true]').waitFor({ state: 'detached' }); // the click's action has settled
    const listed = async () =>
      ((await (await fetch(`${t.url}/social/connections`, { headers: { authorization: `Bearer ${t.userToken('settings-user')}` } })).json()) as unknown[])
        .length;
    expect(await listed()).toBe(2);
    p.once('dialog', (d) => void d.accept());
    await first.getByRole('button', { name: 'Disconnect' }).click();
    await p.locator('#message', { hasText: 'Disconnected Demo provider first-account' }).waitFor();
    expect(await first.count()).toBe(0);
    expect(await listed()).toBe(1);

    // The hosted variant: the popup runs the flow, the page hears the result and lists the account.
    await p.goto(`${t.url}/my/settings/social-hosted`);
    const [popup] = await Promise.all([p.waitForEvent('popup'), p.getByRole('button', { name: 'Connect an account' }).click()]);
    watch(popup);
    await popup.getByRole('button', { name: 'Continue with Demo provider' }).click();
    await popup.locator('#account').fill('hosted-account');
    // Listened for before the click: the popup may close before a listener added after it exists.
    const closed = popup.isClosed() ? Promise.resolve() : popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Allow' }).click();
    await closed;
    await p.locator('#message', { hasText: 'Connected.' }).waitFor();
    await p.locator('#platforms li', { hasText: 'Demo provider: hosted-account' }).waitFor();
    expect(violations).toEqual([]);
  });
});
