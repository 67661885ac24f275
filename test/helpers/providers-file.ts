import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OidcServer } from './oidc-server.js';

export const REDIRECT_URI = 'http://localhost:3000/my/settings/social';

/** Writes a PROVIDERS_FILE and returns its path. */
export function writeProvidersFile(entries: Record<string, Record<string, unknown>>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'oc-providers-')), 'providers.json');
  writeFileSync(path, JSON.stringify(entries, null, 2));
  return path;
}

/** A custom provider entry for the test authorization server: the generic path, data only. */
export function oidcProviderEntry(server: OidcServer, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    displayName: 'Acme ID',
    authorizationUrl: server.authorizationUrl,
    tokenUrl: server.tokenUrl,
    revocationUrl: server.revocationUrl,
    userInfoUrl: server.userInfoUrl,
    issuer: server.issuer,
    scopes: ['openid', 'profile', 'offline_access', 'api'],
    // offline_access is only honoured with an explicit consent prompt.
    authorizationParams: { prompt: 'consent' },
    clientId: server.clientId,
    clientSecret: 'env:ACME_CLIENT_SECRET',
    ...overrides,
  };
}
