import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../helpers/chromium.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// A frontend on another origin calls the API from a real browser: allowed by CORS_ORIGINS, refused otherwise.

if (chromiumMissing) console.warn(`CORS browser test skipped: ${chromiumMissing}`);
const describeBrowser = chromiumMissing ? describe.skip : describe;

/** A page server on its own port, hence its own origin. */
async function pageServer(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>frontend</title>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describeBrowser('CORS from a page on another origin (Chromium)', () => {
  let allowed: { origin: string; server: Server };
  let other: { origin: string; server: Server };
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    allowed = await pageServer();
    other = await pageServer();
    t = await startTestApp({
      env: {
        CORS_ORIGINS: allowed.origin,
        PROVIDERS_FILE: writeProvidersFile({
          alpha: { authorizationUrl: 'http://127.0.0.1:9/a', tokenUrl: 'http://127.0.0.1:9/t', clientId: 'c', clientSecret: 's' },
        }),
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    allowed?.server.close();
    other?.server.close();
  });

  /** Runs fetch() in a page of `origin` against the API; returns what the page could read. */
  async function callFrom(origin: string, path: string, init: { method?: string; body?: string }) {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(
        async ({ url, token, method, body }) => {
          try {
            const res = await fetch(url, {
              method,
              body,
              headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
            });
            return { status: res.status, body: await res.json(), requestId: res.headers.get('X-Request-Id') };
          } catch (error) {
            return { failed: String(error) };
          }
        },
        { url: `${t.url}${path}`, token: t.userToken('browser-user'), method: init.method ?? 'GET', body: init.body },
      );
    } finally {
      await page.close();
    }
  }

  it('lets the allowed origin read answers of preflighted calls (Authorization header, JSON body)', async () => {
    const list = await callFrom(allowed.origin, '/social/connections', {});
    expect(list).toMatchObject({ status: 200, body: [] });
    expect((list as { requestId: string }).requestId).toMatch(/.+/);
    const connect = await callFrom(allowed.origin, '/social/alpha/connect', { method: 'POST', body: JSON.stringify({ code: 'c', state: 'unknown-state' }) });
    expect(connect).toMatchObject({ status: 400, body: { error: 'invalid_state' } });
  });

  it('blocks another origin', async () => {
    const res = await callFrom(other.origin, '/social/connections', {});
    expect(res).toEqual({ failed: expect.stringMatching(/Failed to fetch/) });
  });
});
