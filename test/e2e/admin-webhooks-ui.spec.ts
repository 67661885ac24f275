import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { AdminSessionService } from '../../src/auth/admin-session.service.js';
import { WebhookDispatcherService } from '../../src/webhooks/webhook-dispatcher.service.js';
import { WebhookOutboxRepository } from '../../src/webhooks/webhook-outbox.repository.js';
import { adminUiMissing, launchChromium, textOf } from '../helpers/chromium.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { type Receiver, startReceiver, until } from '../helpers/webhook-receiver.js';

// The admin UI's Webhooks page in a real browser (the built SPA in admin/dist, headless Chromium):
// a receiver that answered 410 is resumed, and a dead letter redelivered, through the UI's own
// API client (cookie session and CSRF token).

const EMAIL = 'hooks@example.com';
const PASSWORD = 'correct horse battery';

const skipReason = adminUiMissing;
if (skipReason) console.warn(`admin Webhooks page end-to-end tests skipped: ${skipReason}`);
const describeUi = skipReason ? describe.skip : describe;

describeUi('admin UI: the Webhooks page', () => {
  let receiver: Receiver;
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const gone = randomUUID();
  const dead = randomUUID();

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({
      env: { WEBHOOK_URL: `${receiver.url}/hooks`, WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`, REFRESH_CRON: 'off' },
    });
    const dispatcher = t.app.get(WebhookDispatcherService);
    dispatcher.pollIntervalMs = 25;
    dispatcher.backoffBaseMs = 20;
    await t.app.get(AdminSessionService).createAdmin(EMAIL, PASSWORD);
    const enqueue = (connectionId: string, userId: string) =>
      t.dataSource.transaction((m) => t.app.get(WebhookOutboxRepository).enqueue(m, 'connection.created', { connectionId, userId, platform: 'tiktok' }));

    // One event is refused until it is past WEBHOOK_MAX_AGE (a dead letter); then the receiver answers 410 Gone.
    let refuse = true;
    receiver.answer = (d) => (d.body.data.connectionId === dead && refuse ? 500 : d.body.data.connectionId === gone ? 410 : undefined);
    await enqueue(dead, 'dora');
    await until(() => receiver.rejected.length > 0, 'a refused attempt');
    await t.dataSource.query(`UPDATE webhook_outbox SET queued_at = now() - interval '4 days' WHERE connection_id = $1`, [dead]);
    await until(async () => (await t.dataSource.query('SELECT 1 FROM webhook_outbox WHERE dead_at IS NOT NULL')).length === 1, 'the dead letter');
    refuse = false;
    await enqueue(gone, 'gil');
    await until(() => receiver.rejected.some((d) => d.status === 410), 'the 410');

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|403)/.test(m.text()))
        pageErrors.push(`console: ${m.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await receiver?.close();
  });

  it('shows delivery stopped by a 410, and resumes it', async () => {
    await page.goto(`${t.url}/admin/webhooks`);
    await page.getByTestId('signin-email').fill(EMAIL);
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await textOf(page.getByTestId('webhooks-disabled'), /Delivery is stopped.*answered 410 Gone.*HTTP 410 Gone/);
    await textOf(page.getByTestId('webhooks-state'), /Stopped/);
    await textOf(page.getByTestId('webhooks-dead'), /^1$/);

    receiver.answer = undefined;
    await page.getByTestId('enable-webhooks').click();
    await page.getByTestId('confirm-enable-confirm').click();
    await textOf(page.getByTestId('webhook-action-result'), /Delivery is enabled again/);
    await textOf(page.getByTestId('webhooks-state'), /Delivering/);
    expect(await page.getByTestId('webhooks-disabled').count()).toBe(0);
    await until(() => receiver.accepted.some((d) => d.body.data.connectionId === gone), 'the held event');
  });

  it('lists the dead letter and redelivers it', async () => {
    const row = page.getByTestId('dead-letter-row');
    await textOf(row, /connection\.created #1.*dora · tiktok.*HTTP 500/);
    await row.getByTestId('redeliver').click();
    await page.getByTestId('confirm-redeliver-confirm').click();
    await textOf(page.getByTestId('webhook-action-result'), /Queued connection\.created #1 again/);
    await page.getByTestId('dead-letters-empty').waitFor();
    await until(() => receiver.accepted.some((d) => d.body.data.connectionId === dead), 'the redelivered event');
  });

  it('ran without script errors or CSP violations', () => {
    expect(pageErrors).toEqual([]);
  });
});
