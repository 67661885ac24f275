import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { AdminSessionService } from '../../src/auth/admin-session.service.js';
import { Connection } from '../../src/connections/connection.entity.js';
import { ConnectionCountsService } from '../../src/connections/connection-counts.service.js';
import { Secret } from '../../src/crypto/secret.js';
import { type FakeProvider, startFakeProvider } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// The admin UI in a real browser: the built SPA (admin/dist) served by the app itself, driven by
// headless Chromium through playwright-core, against a fake OAuth provider. Also writes the
// screenshots in docs/screenshots.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DIST_INDEX = join(process.cwd(), 'admin', 'dist', 'index.html');
// Screenshots for the README are refreshed only on request (SCREENSHOTS=1), so test runs leave the tree clean.
const SCREENSHOTS = process.env.SCREENSHOTS === '1' ? join(process.cwd(), 'docs', 'screenshots') : join(tmpdir(), 'oc-admin-screenshots');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const HOUR = 3_600_000;
const EMAIL = 'ops@example.com';
const PASSWORD = 'correct horse battery';

const skipReason = !existsSync(CHROMIUM)
  ? `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`
  : !existsSync(DIST_INDEX)
    ? 'admin/dist is missing (run npm run admin:build)'
    : null;
if (skipReason) console.warn(`admin UI end-to-end tests skipped: ${skipReason}`);
const describeUi = skipReason ? describe.skip : describe;

/** Polls a locator's text until it matches (playwright-core has no expect of its own). */
async function textOf(locator: Locator, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = ((await locator.count()) > 0 ? await locator.first().textContent() : '') ?? '';
    if (pattern.test(last)) return last;
    if (Date.now() > deadline) throw new Error(`expected text matching ${pattern}, last saw ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function countOf(locator: Locator, expected: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await locator.count();
    if (n === expected) return;
    if (Date.now() > deadline) throw new Error(`expected ${expected} elements, found ${n}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeUi('admin UI in a browser', () => {
  let fake: FakeProvider;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const failFor = new Set<string>();
  const pageErrors: string[] = [];
  const ids: Record<string, string> = {};

  async function seed(userId: string, platform: string, fields: Partial<Connection> = {}): Promise<void> {
    await t.dataSource.getRepository(Connection).insert({
      userId,
      platform,
      accountId: `acc-${userId}`,
      username: null,
      accessToken: Secret.fromPlaintext(`at-${userId}`),
      refreshToken: Secret.fromPlaintext(`rt-${userId}`),
      accessTokenExpiresAt: new Date(Date.now() + HOUR),
      accessTokenIssuedAt: new Date(Date.now() - 23 * HOUR),
      lastRefreshedAt: new Date(Date.now() - 23 * HOUR),
      scopes: ['profile', 'offline_access'],
      ...fields,
    });
    ids[userId] = (await t.dataSource.getRepository(Connection).findOneByOrFail({ userId, platform })).id;
  }

  const open = async (path: string) => {
    await page.goto(`${t.url}/admin${path}`);
  };
  const shot = async (name: string) => {
    await page.evaluate('document.fonts.ready.then(() => true)');
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  };

  beforeAll(async () => {
    fake = await startFakeProvider();
    let n = 0;
    fake.on('POST', '/token', (req) => {
      const rt = req.form.refresh_token ?? '';
      if (failFor.has(rt)) return { status: 500, json: { error: 'server_error', error_description: 'upstream exploded' } };
      n++;
      return { json: { access_token: `at-${rt}-${n}`, refresh_token: `${rt}+`, expires_in: 86_400, token_type: 'Bearer' } };
    });
    const entry = (name: string) => ({
      displayName: name,
      authorizationUrl: `${fake.url}/authorize`,
      tokenUrl: `${fake.url}/token`,
      clientId: 'cid',
      clientSecret: 'csecret',
    });
    t = await startTestApp({ env: { PROVIDERS_FILE: writeProvidersFile({ fake: entry('Fake'), other: entry('Other') }), REFRESH_CRON: 'off' } });
    await t.app.get(AdminSessionService).createAdmin(EMAIL, PASSWORD);

    await seed('alice', 'fake', { username: 'alice_cooks' });
    await seed('bob', 'fake', { username: 'bobbuilds', accessTokenExpiresAt: new Date(Date.now() + 3 * HOUR) });
    await seed('carol', 'fake', { status: 'needs_reauth', lastRefreshError: 'invalid_grant', accessTokenExpiresAt: new Date(Date.now() - 2 * HOUR) });
    await seed('dave', 'other', {
      username: 'dave.io',
      consecutiveFailures: 2,
      lastRefreshError: 'rate_limited',
      accessTokenExpiresAt: new Date(Date.now() + 5 * 24 * HOUR),
      nextRetryAt: new Date(Date.now() + 0.5 * HOUR),
    });
    // Expiring means nothing can renew it without the user: erin has no refresh token, frank's ends
    // in two days; bob's and alice's tokens expire sooner, but the scheduler refreshes them.
    await seed('erin', 'other', { accessTokenExpiresAt: new Date(Date.now() + 20 * HOUR), refreshToken: null });
    await seed('frank', 'other', {
      username: 'frank_tv',
      accessTokenExpiresAt: new Date(Date.now() + 0.5 * HOUR),
      refreshTokenExpiresAt: new Date(Date.now() + 48 * HOUR),
    });
    // A day of scheduled refreshes for the overview chart, and a few token reads for the audit page.
    await t.dataSource.query(
      `INSERT INTO refresh_log (connection_id, platform, occurred_at, trigger, outcome, duration_ms)
       SELECT $1, 'other', now() - g * interval '1 hour' + interval '5 minutes', 'scheduled', 'success', 150 + k * 10
       FROM generate_series(1, 23) g, generate_series(1, 1 + (g * 7) % 5) k`,
      [ids.erin],
    );
    await t.dataSource.query(
      `INSERT INTO refresh_log (connection_id, platform, occurred_at, trigger, outcome, duration_ms)
       SELECT $1, 'other', now() - g * interval '1 hour' + interval '10 minutes', 'scheduled', 'failure', 900 FROM generate_series(1, 23) g WHERE g % 7 = 3`,
      [ids.dave],
    );
    await t.dataSource.query(
      `INSERT INTO token_access_audit (service, user_id, platform, accessed_at)
       VALUES ('publisher', 'alice', 'fake', now() - interval '4 minutes'), ('publisher', 'erin', 'other', now() - interval '35 minutes'), ('analytics', 'dave', 'other', now() - interval '3 hours')`,
    );
    // The other provider is failing for everyone: its circuit breaker is open.
    await t.dataSource.query(
      `INSERT INTO provider_breakers (platform, state, attempts, failures, opened_at, next_probe_at) VALUES ('other', 'open', 12, 9, now() - interval '2 minutes', now() + interval '1 hour')`,
    );

    mkdirSync(SCREENSHOTS, { recursive: true });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      // Expected HTTP errors (signed out, stale CSRF token of the second-tab test, cooldown, reauth) are logged by the browser itself.
      if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|403|409|429)/.test(m.text()))
        pageErrors.push(`console: ${m.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake?.close();
  });

  it('serves the SPA with caching headers, and every /admin path falls back to it', async () => {
    const index = await fetch(`${t.url}/admin/connections/anything`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const asset = /src="(\/admin\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${t.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${t.url}/admin/assets/missing-123.js`)).status).toBe(404);
    // The API is not shadowed by the fallback.
    const api = await fetch(`${t.url}/admin/api/summary`);
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ statusCode: 401 });
  });

  it('signs in', async () => {
    await open('/');
    await page.getByTestId('signin-form').waitFor();
    await shot('sign-in');
    await page.getByTestId('signin-email').fill(EMAIL);
    await page.getByTestId('signin-password').fill('wrong password!');
    await page.getByTestId('signin-submit').click();
    await textOf(page.getByTestId('signin-error'), /Wrong email or password/);
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await textOf(page.getByTestId('signed-in-as'), /ops@example\.com/);
  });

  it('overview shows the totals', async () => {
    expect(await textOf(page.getByTestId('total-total'), /^6$/)).toBe('6');
    expect(await page.getByTestId('total-needsReauth').textContent()).toBe('1');
    expect(await page.getByTestId('total-failing').textContent()).toBe('1');
    expect(await page.getByTestId('total-expiring').textContent()).toBe('2');
    await page.getByTestId('refresh-chart').waitFor();
    await page.getByTestId('platform-row-other').waitFor();
    expect(await page.getByTestId('breaker-row-other').getByTestId('breaker-state').getAttribute('data-state')).toBe('open');
    expect(await page.getByTestId('breaker-row-fake').getByTestId('breaker-state').getAttribute('data-state')).toBe('closed');
    expect(await page.getByTestId('breaker-row-other').textContent()).toMatch(/9 of 12/);
  });

  it('lists the seeded connections, and the filters narrow the list', async () => {
    await page.getByTestId('nav-connections').click();
    const rows = page.getByTestId('connection-row');
    await countOf(rows, 6);
    // Sorted by expiry, soonest first: carol's token has already expired.
    expect(await rows.first().getAttribute('data-user')).toBe('carol');
    await textOf(rows.first().getByTestId('status-badge'), /needs reauth/);

    await page.getByTestId('filter-status').selectOption('expiring');
    await countOf(rows, 2);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-user')).sort())).toEqual(['erin', 'frank']);
    await page.getByTestId('filter-clear').click();
    await countOf(rows, 6);
    expect(await page.locator('[data-user="bob"] [data-testid="status-badge"]').getAttribute('data-status')).toBe('active');

    await page.getByTestId('filter-platform').selectOption('other');
    await countOf(rows, 3);
    expect(page.url()).toContain('platform=other');
    await page.getByTestId('filter-status').selectOption('failing');
    await countOf(rows, 1);
    expect(await rows.first().getAttribute('data-user')).toBe('dave');
    await page.getByTestId('filter-clear').click();
    await countOf(rows, 6);
    await page.getByTestId('filter-account').fill('BUILDS');
    await countOf(rows, 1);
    expect(await rows.first().getAttribute('data-user')).toBe('bob');
    await page.getByTestId('filter-clear').click();
    await countOf(rows, 6);
    await page.getByTestId('sort-failures').click();
    await page.getByTestId('sort-failures').click(); // descending: most failures first
    await textOf(page.getByTestId('connection-row').first(), /dave/);
  });

  it('forces a refresh from the detail page and shows the new expiry; a second one hits the cooldown', async () => {
    await open(`/connections/${ids.alice}`);
    await textOf(page.getByTestId('detail-expiry'), /expires in (5\d min|1 h)/);
    await page.getByTestId('force-refresh').click();
    await page.getByTestId('confirm-refresh-confirm').click();
    await textOf(page.getByTestId('action-result'), /Refreshed: the new access token expires in 24 h/);
    expect(await page.getByTestId('action-result').getAttribute('data-tone')).toBe('success');
    await textOf(page.getByTestId('detail-expiry'), /expires in 24 h/);
    await countOf(page.getByTestId('history-row'), 1);
    expect(fake.requestsTo('POST', '/token').map((r) => r.form.refresh_token)).toEqual(['rt-alice']);

    await page.getByTestId('force-refresh').click();
    await page.getByTestId('confirm-refresh-confirm').click();
    await textOf(page.getByTestId('action-result'), /Cooldown: .*wait \d+ s/);
  });

  it("shows a connection's assets with their state; one without any says so", async () => {
    const q = (sql: string, params: unknown[]) => t.dataSource.query(sql, params);
    await q(
      `INSERT INTO connection_assets (connection_id, kind, external_id, name, capabilities, access_token) VALUES ($1, 'facebook_page', '101', 'Dave Bakery', '{publish,analytics}', NULL)`,
      [ids.dave],
    );
    await q(
      `INSERT INTO connection_assets (connection_id, kind, external_id, name, status, removed_at) VALUES ($1, 'facebook_page', '102', 'Old Page', 'removed', now() - interval '2 days')`,
      [ids.dave],
    );
    await q(`INSERT INTO asset_syncs (connection_id, synced_at, next_sync_at) VALUES ($1, now() - interval '3 hours', now() + interval '21 hours')`, [
      ids.dave,
    ]);
    await open(`/connections/${ids.dave}`);
    await countOf(page.getByTestId('asset-row'), 2);
    const rows = page.getByTestId('asset-row');
    await textOf(rows.nth(0), /Facebook Page\s*Dave Bakery\s*101\s*publish, analytics\s*the connection’s\s*active/);
    await textOf(rows.nth(1), /Old Page.*removed.*2 d/);
    expect(await rows.nth(1).getAttribute('data-status')).toBe('removed');
    await textOf(page.getByTestId('detail-assets'), /Listed by the provider 3 h ago/);
    await open(`/connections/${ids.alice}`);
    await page.getByTestId('detail-assets-empty').waitFor();
  });

  it('explains a 409 for a connection that needs re-authorisation', async () => {
    await open(`/connections/${ids.carol}`);
    await page.getByTestId('force-refresh').click();
    await page.getByTestId('confirm-refresh-confirm').click();
    await textOf(page.getByTestId('action-result'), /Cannot refresh: The grant is dead; the user must reconnect/);
  });

  it('a second tab (which fetches a fresh CSRF token) does not break actions in the first', async () => {
    await open(`/connections/${ids.carol}`);
    await page.getByTestId('force-refresh').waitFor();
    const second = await context.newPage();
    await second.goto(`${t.url}/admin`);
    await second.getByTestId('signed-in-as').waitFor();
    await second.close();
    // This tab's token is now stale: the UI fetches a fresh one and retries once.
    const sessionReads: string[] = [];
    page.on('request', (r) => r.url().endsWith('/admin/api/session') && sessionReads.push(r.method()));
    await page.getByTestId('force-refresh').click();
    await page.getByTestId('confirm-refresh-confirm').click();
    await textOf(page.getByTestId('action-result'), /Cannot refresh: The grant is dead/);
    expect(sessionReads).toContain('GET');
  });

  it('a failing provider: the forced refresh reports the failure and it appears on the failures page', async () => {
    failFor.add('rt-bob');
    await open(`/connections/${ids.bob}`);
    await page.getByTestId('force-refresh').click();
    await page.getByTestId('confirm-refresh-confirm').click();
    await textOf(page.getByTestId('action-result'), /Refresh failed \(transient\)/);
    expect(await page.getByTestId('action-result').getAttribute('data-tone')).toBe('error');
    await textOf(page.getByTestId('detail-failures'), /^1/);
    await page.getByTestId('detail-failures-table').waitFor();
    await shot('connection-detail');

    await page.getByTestId('nav-failures').click();
    const row = page.locator(`[data-testid="failure-row"][data-connection="${ids.bob}"]`);
    await countOf(row, 1);
    const message = (await row.getByTestId('failure-message').textContent()) ?? '';
    expect(message).toMatch(/500/);
    expect(message).not.toContain('rt-bob'); // redacted: never a token
    await page.getByTestId('failures-class').selectOption('transient');
    await countOf(row, 1);
    await page.getByTestId('failures-class').selectOption('invalid_grant');
    await page.getByTestId('failures-empty').waitFor();
    await page.getByTestId('failures-class').selectOption('');
    await countOf(row, 1);
    await shot('failures');
  });

  it('disconnects a connection, which then is gone from the list', async () => {
    await open(`/connections/${ids.frank}`);
    await page.getByTestId('disconnect').click();
    await page.getByTestId('confirm-disconnect').waitFor({ state: 'visible' });
    await page.getByTestId('confirm-disconnect-confirm').click();
    await textOf(page.getByTestId('flash'), /Disconnected the other connection of frank/);
    await countOf(page.getByTestId('connection-row'), 5);
    await countOf(page.locator('[data-testid="connection-row"][data-user="frank"]'), 0);
    expect(await t.dataSource.getRepository(Connection).countBy({ userId: 'frank' })).toBe(0);
  });

  it('takes screenshots at laptop and phone widths', async () => {
    // The overview's counts are background ones (at most 30 s old): count after the disconnect above.
    await t.app.get(ConnectionCountsService).refresh({ force: true });
    await open('/');
    await textOf(page.getByTestId('total-total'), /^5$/);
    await page.getByTestId('refresh-chart').waitFor();
    await shot('overview');
    await open('/connections');
    await countOf(page.getByTestId('connection-row'), 5);
    await shot('connections');
    await open('/audit');
    await countOf(page.getByTestId('audit-row'), 3);
    await shot('audit');

    await page.setViewportSize({ width: 390, height: 844 });
    await open('/connections');
    await countOf(page.getByTestId('connection-row'), 5);
    await shot('connections-phone');
    // On a phone the table scrolls sideways inside its card, not the whole page.
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await open(`/connections/${ids.bob}`);
    await page.getByTestId('detail-failures-table').waitFor();
    await shot('connection-detail-phone');
    await open('/');
    await page.getByTestId('refresh-chart').waitFor();
    await shot('overview-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out, which ends the session on the server too', async () => {
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'oc_admin');
    expect(cookie!.httpOnly).toBe(true);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin-form').waitFor();
    const res = await page.evaluate(() => fetch('/admin/api/summary').then((r) => r.status));
    expect(res).toBe(401);
    // The old cookie value, replayed, is refused: sign-out deleted the session.
    await context.addCookies([cookie!]);
    expect(await page.evaluate(() => fetch('/admin/api/summary').then((r) => r.status))).toBe(401);
  });

  it('ran without script errors or CSP violations', () => {
    expect(pageErrors).toEqual([]);
  });
});
