import type { AppConfig } from './config/config.types.js';
import { type Env, loadConfig } from './config/load-config.js';
import { demoProviderConfig, demoProviderWanted } from './demo/demo-provider.config.js';
import type { ProviderConfig } from './providers/provider.types.js';
import { loadProviders } from './providers/providers-config.js';

/** Everything the service starts with: the environment's settings (src/config) and the enabled providers. */
export type StartupConfig = AppConfig & { providers: ProviderConfig[] };

/**
 * The configuration's composition root. src/config reads the environment and stays a leaf; it
 * hands src/providers (PROVIDERS_FILE, credentials) and src/demo (DEMO_PROVIDER=auto, which depends
 * on the other providers) the same environment, in the same pass, so one ConfigError lists every
 * problem. The demo provider's credentials derive from SESSION_JWT_SECRET, known only once the
 * configuration is complete.
 */
export function loadStartupConfig(env?: Env): StartupConfig {
  let providers: ProviderConfig[] = [];
  const config = loadConfig(env, (input, problems) => {
    providers = loadProviders(input.env, input.providersFile, input.isProduction, problems);
    return { demoProviderWanted: demoProviderWanted(input, providers, problems) };
  });
  if (config.demoProvider.enabled) providers = [...providers, demoProviderConfig(config.appUrl, config.sessionJwtSecret)];
  return { ...config, providers };
}
