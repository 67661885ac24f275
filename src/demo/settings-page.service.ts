import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import type { DemoResponse } from './demo-http.js';
import { settingsPageHtml } from './settings-page/settings-page.html.js';

export const DEV_SESSION_PATH = '/my/dev-session';
// Stricter than the app-wide policy: the page has no inline script.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** The reference settings page: one HTML document and one script, both static. */
@Injectable()
export class SettingsPageService {
  private readonly html: string;
  // In dist/ this is the build's copy; its source-map comment would point at a file not served.
  private readonly js = readFileSync(new URL('./settings-page/settings-page.js', import.meta.url), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.html = settingsPageHtml({ devSessionPath: config.devConveniences ? DEV_SESSION_PATH : undefined });
  }

  page(): DemoResponse {
    return { status: 200, html: this.html, headers: { 'content-security-policy': CSP, 'cache-control': 'no-cache' } };
  }

  script(): DemoResponse {
    return { status: 200, script: this.js, headers: { 'cache-control': 'no-cache' } };
  }
}
