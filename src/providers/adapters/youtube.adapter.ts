import { ProviderError } from '../provider.exception.js';
import type { AssetKind, AssetListing, DiscoveredAsset } from '../provider.types.js';
import { assetOf, entryOf, MAX_ASSET_PAGES, MAX_ASSETS } from './assets.js';
import { StandardAdapter } from './standard.adapter.js';

/**
 * YouTube: Google's OAuth; its asset is the channel the user chose on the consent screen
 * (channels.list mine=true, usually one item; paged by nextPageToken all the same).
 */
export class YouTubeAdapter extends StandardAdapter {
  override async discoverAssets(accessToken: string, kinds: ReadonlySet<AssetKind>): Promise<AssetListing> {
    if (!this.p.assetsUrl || !kinds.has('youtube_channel')) return { assets: [], complete: true };
    const purpose = 'assets (channels.list)';
    const found: DiscoveredAsset[] = [];
    let pageToken: string | undefined;
    for (let page = 1; ; page++) {
      const url = new URL(this.p.assetsUrl);
      if (pageToken) url.searchParams.set('pageToken', pageToken);
      const res = await this.http.send({ method: 'GET', url: url.toString(), headers: { authorization: `Bearer ${accessToken}` }, purpose });
      const body = this.expectJson(res, purpose) as { items?: unknown; nextPageToken?: unknown };
      // A Google account without a channel answers no items.
      const items = body.items ?? [];
      if (!Array.isArray(items)) throw new ProviderError('malformed', `${purpose}: items is not a list`, { status: res.status });
      for (const value of items) {
        const item = entryOf(value, purpose);
        const snippet = (item.snippet ?? {}) as { title?: unknown; thumbnails?: { default?: { url?: unknown } } };
        found.push(
          assetOf('youtube_channel', purpose, {
            id: item.id,
            name: snippet.title,
            picture: snippet.thumbnails?.default?.url,
            capabilities: ['publish', 'analytics'],
          }),
        );
      }
      pageToken = typeof body.nextPageToken === 'string' && body.nextPageToken.length > 0 ? body.nextPageToken : undefined;
      if (!pageToken) return { assets: found, complete: true };
      if (page >= MAX_ASSET_PAGES || found.length >= MAX_ASSETS) return { assets: found.slice(0, MAX_ASSETS), complete: false };
    }
  }
}
