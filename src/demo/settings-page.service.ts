import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import type { DemoResponse } from './demo-http.js';
import { settingsPageHtml } from './settings-page/settings-page.html.js';

export const DEV_SESSION_PATH = '/my/dev-session';
// Stricter than the app-wide policy: the page has no inline script.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

// same-origin-allow-popups: the hosted variant's popup keeps window.opener (same-origin would cut it off).
const PAGE_HEADERS = { 'content-security-policy': CSP, 'cache-control': 'no-cache', 'cross-origin-opener-policy': 'same-origin-allow-popups' };

/** The reference settings page: one HTML document and one script, both static. */
@Injectable()
export class SettingsPageService {
  private readonly html: string;
  private readonly hostedHtml: string;
  // In dist/ this is the build's copy; its source-map comment would point at a file not served.
  private readonly js = readFileSync(new URL('./settings-page/settings-page.js', import.meta.url), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const devSessionPath = config.devConveniences ? DEV_SESSION_PATH : undefined;
    this.html = settingsPageHtml({ devSessionPath });
    this.hostedHtml = settingsPageHtml({ devSessionPath, hosted: true });
  }

  /** The hosted variant: connecting opens the service's hosted connect page in a popup. */
  hostedPage(): DemoResponse {
    return { status: 200, html: this.hostedHtml, headers: PAGE_HEADERS };
  }

  page(): DemoResponse {
    return { status: 200, html: this.html, headers: PAGE_HEADERS };
  }

  script(): DemoResponse {
    return { status: 200, script: this.js, headers: { 'cache-control': 'no-cache' } };
  }
}
