import { createHmac } from 'node:crypto';
import type { DemoProviderMode } from '../config/config.types.js';
import type { FeatureSettingsInput } from '../config/load-config.js';
import type { ProviderConfig } from '../providers/provider.types.js';

/** The platform id of the built-in demo provider (src/demo). */
export const DEMO_PLATFORM = 'demo';

/**
 * Whether the demo provider is enabled. Never in production; `auto` enables it in development
 * when no other provider is, so a fresh `npm start` has something to connect.
 */
export function demoProviderEnabled(mode: DemoProviderMode, nodeEnv: string, otherProviders: number): boolean {
  if (nodeEnv === 'production' || mode === 'off') return false;
  return mode === 'on' || (nodeEnv === 'development' && otherProviders === 0);
}

/**
 * Whether development would enable the demo provider next to `providers` (the configured ones).
 * With NODE_ENV unset it is judged as in development, so the refusal can be warned about. A
 * configured provider named `demo` conflicts with an enabled demo provider.
 */
export function demoProviderWanted(input: FeatureSettingsInput, providers: ProviderConfig[], problems: string[]): boolean {
  const wanted = demoProviderEnabled(input.demoProviderMode, input.nodeEnvSet ? input.nodeEnv : 'development', providers.length);
  if (wanted && input.devConveniences && providers.some((p) => p.id === DEMO_PLATFORM)) {
    problems.push(`DEMO_PROVIDER: PROVIDERS_FILE already declares a "${DEMO_PLATFORM}" provider; rename it or set DEMO_PROVIDER=off`);
  }
  return wanted;
}

/**
 * The demo provider as a standard OAuth 2.1 provider served by this very service under
 * `/demo-provider`. Its client credentials are derived from SESSION_JWT_SECRET (HMAC, so the
 * secret itself cannot be recovered from them): they, and the grants kept in the database,
 * survive a restart.
 */
export function demoProviderConfig(appUrl: string, sessionSecret: string): ProviderConfig {
  const derive = (label: string) => createHmac('sha256', sessionSecret).update(`oauth-connections demo provider ${label}`).digest('base64url');
  const issuer = `${appUrl}/demo-provider`;
  return {
    id: DEMO_PLATFORM,
    adapter: 'standard',
    displayName: 'Demo provider',
    authorizationUrl: `${issuer}/authorize`,
    tokenUrl: `${issuer}/token`,
    refreshUrl: `${issuer}/token`,
    revocationUrl: `${issuer}/revoke`,
    userInfoUrl: `${issuer}/userinfo`,
    issuer,
    scopes: ['profile', 'offline_access'],
    scopeSeparator: ' ',
    pkce: true,
    clientAuthMethod: 'client_secret_post',
    clientId: `demo-client-${derive('client id').slice(0, 12)}`,
    clientSecret: derive('client secret'),
    authorizationParams: {},
    accountIdField: 'sub',
    usernameField: 'preferred_username',
    rotatesRefreshToken: true,
    refresh: 'refresh_token',
    minRefreshAgeMs: 0,
    requiredScopes: [],
    assetKinds: [],
    errorMap: [],
  };
}
