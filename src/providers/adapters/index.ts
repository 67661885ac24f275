import type { ProviderHttpClient } from '../provider-http.client.js';
import type { ProviderConfig } from '../provider.types.js';
import { FacebookAdapter } from './facebook.adapter.js';
import { InstagramAdapter } from './instagram.adapter.js';
import { StandardAdapter } from './standard.adapter.js';
import { TikTokAdapter } from './tiktok.adapter.js';

export { StandardAdapter };

/** Google, YouTube, X, LinkedIn and Pinterest differ from the standard only in data (see the catalogue). */
export function createAdapter(config: ProviderConfig, http: ProviderHttpClient): StandardAdapter {
  switch (config.adapter) {
    case 'tiktok':
      return new TikTokAdapter(config, http);
    case 'instagram':
    case 'threads':
      return new InstagramAdapter(config, http);
    case 'facebook':
      return new FacebookAdapter(config, http);
    case 'standard':
    case 'google':
    case 'youtube':
    case 'x':
    case 'linkedin':
    case 'pinterest':
      return new StandardAdapter(config, http);
  }
}
