import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { createAdapter, type StandardAdapter } from './adapters/index.js';
import { ProviderHttpClient } from './provider-http.client.js';
import { ProvidersException } from './provider.exception.js';
import { PROVIDER_CONFIGS, type ProviderConfig } from './provider.types.js';

export type Provider = { config: ProviderConfig; adapter: StandardAdapter; redirectUri: string };

/** The enabled providers, resolved once at boot. */
@Injectable()
export class ProviderRegistry {
  private readonly providers: Map<string, Provider>;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(PROVIDER_CONFIGS) providers: ProviderConfig[], http: ProviderHttpClient) {
    this.providers = new Map(
      providers.map((p) => [p.id, { config: p, adapter: createAdapter(p, http), redirectUri: p.redirectUri ?? config.oauthRedirectUri }]),
    );
  }

  list(): Provider[] {
    return [...this.providers.values()];
  }

  /** What a settings page may show: never credentials or endpoints. */
  publicList(): { id: string; displayName: string; scopes: string[]; assetKinds: string[] }[] {
    return this.list().map(({ config }) => ({
      id: config.id,
      displayName: config.displayName,
      scopes: config.scopes,
      assetKinds: config.assetKinds.map((k) => k.kind),
    }));
  }

  /** The provider, or 404 unknown_platform. */
  get(platform: string): Provider {
    const provider = this.providers.get(platform);
    if (!provider) throw ProvidersException.unknownPlatform(platform);
    return provider;
  }

  /** The provider, or undefined (a connection of a platform no longer configured). */
  find(platform: string): Provider | undefined {
    return this.providers.get(platform);
  }

  has(platform: string): boolean {
    return this.providers.has(platform);
  }
}
