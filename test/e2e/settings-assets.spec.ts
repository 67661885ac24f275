import type { Browser, Page } from 'playwright-core';
import { Connection } from '../../src/connections/connection.entity.js';
import { Secret } from '../../src/crypto/secret.js';
import { chromiumMissing, launchChromium } from '../helpers/chromium.js';
import { builtInOverrides, type FakeProvider, startFakeProvider } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// The reference settings page shows what each connection publishes to, and lists it again at the
// provider on request: a Facebook connection against a fake Graph API (/me/accounts).

if (chromiumMissing) console.warn(`Settings page asset tests skipped: ${chromiumMissing}`);
const describeBrowser = chromiumMissing ? describe.skip : describe;

describeBrowser('the settings page lists publishing targets', () => {
  let fake: FakeProvider;
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    fake = await startFakeProvider();
    fake.on('GET', '/v26.0/me/accounts', {
      json: {
        data: [
          {
            id: '101',
            name: 'Fay Bakery',
            access_token: 'page-101',
            tasks: ['CREATE_CONTENT'],
            instagram_business_account: { id: '178', username: 'fay.bakery' },
          },
        ],
        paging: { cursors: { before: 'a', after: 'b' } },
      },
    });
    t = await startTestApp({
      env: {
        PROVIDERS_FILE: writeProvidersFile({ facebook: builtInOverrides('facebook', fake.url, { clientId: 'id', clientSecret: 'secret' }) }),
        REFRESH_CRON: 'off',
      },
    });
    await t.dataSource.getRepository(Connection).insert({
      userId: 'pages-user',
      platform: 'facebook',
      accountId: '10150000000000001',
      username: 'Fay',
      accessToken: Secret.fromPlaintext('fb-long'),
      refreshToken: null,
      accessTokenExpiresAt: new Date(Date.now() + 50 * 86_400_000),
      accessTokenIssuedAt: new Date(),
      scopes: ['public_profile', 'pages_show_list', 'pages_manage_posts', 'pages_read_engagement', 'instagram_basic', 'instagram_content_publish'],
    });
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => errors.push(e.message));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake?.close();
  });

  it('shows none before the first listing, then the Page and its Instagram account after "Refresh list"', async () => {
    await page.goto(`${t.url}/my/settings/social`);
    await page.locator('#dev-user').fill('pages-user');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const row = page.locator('#platforms > li', { hasText: 'Facebook: Fay' });
    await row.locator('.assets li', { hasText: 'Nothing to publish to yet' }).waitFor();
    await row.getByRole('button', { name: 'Refresh list' }).click();
    await page.locator('#message', { hasText: 'Publishing targets updated: 2 new, 0 gone.' }).waitFor();
    expect(await row.locator('.assets li').allTextContents()).toEqual(['Fay Bakery (Page)', 'fay.bakery (Instagram)']);
    expect(fake.requestsTo('GET', '/v26.0/me/accounts')[0]!.query.access_token).toBe('fb-long');
    expect(await page.content()).not.toContain('page-101');

    // A second click at once is throttled: the page says so, nothing breaks.
    await row.getByRole('button', { name: 'Refresh list' }).click();
    await page.locator('#message.error', { hasText: /listed moments ago/ }).waitFor();
    expect(errors).toEqual([]);
  });
});
