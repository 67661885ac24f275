import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator } from 'playwright-core';

// Debian's Chromium, driven by playwright-core (no browser download).
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Why browser tests cannot run here, or null. Tests skip with this reason (never pass silently). */
export const chromiumMissing = existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Why the admin UI tests cannot run here (no Chromium, or the SPA is not built), or null. */
export const adminUiMissing =
  chromiumMissing ?? (existsSync(join(process.cwd(), 'admin', 'dist', 'index.html')) ? null : 'admin/dist is missing (run npm run admin:build)');

/** Polls a locator's text until it matches (playwright-core has no expect of its own). */
export async function textOf(locator: Locator, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = ((await locator.count()) > 0 ? await locator.first().textContent() : '') ?? '';
    if (pattern.test(last)) return last;
    if (Date.now() > deadline) throw new Error(`expected text matching ${pattern}, last saw ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
