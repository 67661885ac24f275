import { hasUnsafeCharacters, safeDisplayText } from '../../common/safe-text.js';
import { ProviderError } from '../provider.exception.js';
import type { AssetCapability, AssetKind, DiscoveredAsset } from '../provider.types.js';
import { accountIdOf } from './standard.adapter.js';

/** Bounds on one listing: a provider that pages forever (or a hostile one) cannot hold a sync. */
export const MAX_ASSET_PAGES = 20;
export const MAX_ASSETS = 1000;
const MAX_PICTURE_URL = 2048;

/** A picture URL worth showing: http(s), bounded, printable; anything else is dropped, not an error. */
export function pictureUrlOf(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > MAX_PICTURE_URL || hasUnsafeCharacters(value)) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}

/** A listing's entry as an object, or malformed (a null or a string where an object belongs). */
export function entryOf(value: unknown, purpose: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ProviderError('malformed', `${purpose}: an entry is not an object`);
  return value as Record<string, unknown>;
}

/** One asset from provider fields, checked as account ids and display names are. */
export function assetOf(
  kind: AssetKind,
  purpose: string,
  fields: { id: unknown; name: unknown; picture?: unknown; capabilities: AssetCapability[]; accessToken?: unknown },
): DiscoveredAsset {
  const externalId = accountIdOf(fields.id, purpose, 'id');
  if (externalId === null) throw new ProviderError('malformed', `${purpose}: an entry has no id`);
  const asset: DiscoveredAsset = {
    kind,
    externalId,
    name: safeDisplayText(fields.name) ?? null,
    pictureUrl: pictureUrlOf(fields.picture),
    capabilities: [...new Set(fields.capabilities)].sort(),
  };
  if (fields.accessToken !== undefined) {
    if (typeof fields.accessToken !== 'string' || fields.accessToken.length === 0 || fields.accessToken.length > 4096)
      throw new ProviderError('malformed', `${purpose}: an entry's access_token is not a token`);
    asset.accessToken = fields.accessToken;
  }
  return asset;
}

/** The next page's URL, only on the listing's own origin: a `next` elsewhere would carry the token away. */
export function samePlaceNext(next: unknown, first: string, purpose: string): string | undefined {
  if (next === undefined || next === null) return undefined;
  let url: URL;
  try {
    url = new URL(String(next));
  } catch {
    throw new ProviderError('malformed', `${purpose}: paging.next is not a URL`);
  }
  if (url.origin !== new URL(first).origin) throw new ProviderError('malformed', `${purpose}: paging.next points to another host`);
  return url.toString();
}
