import type { ProviderHttpClient } from '../provider-http.client.js';
import type { ProviderConfig } from '../provider.types.js';
import { FacebookAdapter } from './facebook.adapter.js';
import { InstagramAdapter } from './instagram.adapter.js';
import { LinkedInAdapter } from './linkedin.adapter.js';
import { StandardAdapter } from './standard.adapter.js';
import { TikTokAdapter } from './tiktok.adapter.js';
import { YouTubeAdapter } from './youtube.adapter.js';

export { StandardAdapter };

/** Google, X and Pinterest differ from the standard only in data (see the catalogue); YouTube and LinkedIn also list assets. */
export function createAdapter(config: ProviderConfig, http: ProviderHttpClient): StandardAdapter {
  switch (config.adapter) {
    case 'tiktok':
      return new TikTokAdapter(config, http);
    case 'instagram':
    case 'threads':
      return new InstagramAdapter(config, http);
    case 'facebook':
      return new FacebookAdapter(config, http);
    case 'youtube':
      return new YouTubeAdapter(config, http);
    case 'linkedin':
      return new LinkedInAdapter(config, http);
    case 'standard':
    case 'google':
    case 'x':
    case 'pinterest':
      return new StandardAdapter(config, http);
  }
}
