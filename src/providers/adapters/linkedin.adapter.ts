import { ProviderError } from '../provider.exception.js';
import type { AssetCapability, AssetKind, AssetListing } from '../provider.types.js';
import { assetOf, entryOf, MAX_ASSET_PAGES, MAX_ASSETS } from './assets.js';
import { StandardAdapter } from './standard.adapter.js';

const PAGE = 100;
const LOOKUP_BATCH = 50;
const ORGANIZATION_URN = /^urn:li:organization:(\d{1,20})$/;

/**
 * Member roles as capabilities. The role table (organization-access-control-by-role, read
 * 2026-12-04) says ADMINISTRATOR manages the page, CONTENT_ADMINISTRATOR creates and manages its
 * content, ANALYST reads its analytics. The roles w_organization_social posts for are listed only in
 * older docs (ADMINISTRATOR, DIRECT_SPONSORED_CONTENT_POSTER, RECRUITING_POSTER): unverified today.
 */
const ROLES: Record<string, AssetCapability[]> = {
  ADMINISTRATOR: ['manage', 'publish', 'analytics'],
  CONTENT_ADMINISTRATOR: ['publish'],
  ANALYST: ['analytics'],
  DIRECT_SPONSORED_CONTENT_POSTER: ['publish', 'advertise'],
  RECRUITING_POSTER: ['publish'],
};

/**
 * LinkedIn: the standard OAuth flow; its assets are the organisation pages the member has an
 * approved role on (organizationAcls, Rest.li 2.0, versioned by header), named by the
 * organization lookup.
 */
export class LinkedInAdapter extends StandardAdapter {
  private get headers(): Record<string, string> {
    return { 'linkedin-version': this.p.apiVersion ?? '', 'x-restli-protocol-version': '2.0.0' };
  }

  override async discoverAssets(accessToken: string, kinds: ReadonlySet<AssetKind>): Promise<AssetListing> {
    if (!this.p.assetsUrl || !kinds.has('linkedin_organization')) return { assets: [], complete: true };
    const purpose = 'assets (organizationAcls)';
    const headers = { ...this.headers, authorization: `Bearer ${accessToken}` };
    const roles = new Map<string, AssetCapability[]>();
    let complete = false;
    for (let page = 0; page < MAX_ASSET_PAGES && roles.size < MAX_ASSETS; page++) {
      const url = new URL(this.p.assetsUrl);
      url.searchParams.set('start', String(page * PAGE));
      url.searchParams.set('count', String(PAGE));
      const res = await this.http.send({ method: 'GET', url: url.toString(), headers, purpose });
      const body = this.expectJson(res, purpose) as { elements?: unknown };
      if (!Array.isArray(body.elements)) throw new ProviderError('malformed', `${purpose}: elements is not a list`, { status: res.status });
      for (const value of body.elements) {
        const e = entryOf(value, purpose);
        const id = typeof e.organization === 'string' ? ORGANIZATION_URN.exec(e.organization)?.[1] : undefined;
        if (!id || e.state !== 'APPROVED') continue;
        roles.set(id, [...(roles.get(id) ?? []), ...(ROLES[String(e.role)] ?? [])]);
      }
      // The documented paging has start and count; fewer than count is the last page.
      if (body.elements.length < PAGE) {
        complete = true;
        break;
      }
    }
    const names = await this.organizationNames([...roles.keys()].slice(0, MAX_ASSETS), headers);
    const assets = [...roles]
      .slice(0, MAX_ASSETS)
      .map(([id, capabilities]) =>
        assetOf('linkedin_organization', purpose, { id, name: names.get(id)?.localizedName ?? names.get(id)?.vanityName ?? null, capabilities }),
      );
    return { assets, complete: complete && roles.size <= MAX_ASSETS };
  }

  /**
   * GET /rest/organizations?ids=List(...): `results` keyed by id. Names are optional: an
   * organisation it cannot name (a lookup refused for a role without admin rights) keeps none.
   */
  private async organizationNames(ids: string[], headers: Record<string, string>): Promise<Map<string, Record<string, unknown>>> {
    const names = new Map<string, Record<string, unknown>>();
    const purpose = 'assets (organizations)';
    for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
      // Rest.li 2.0 list syntax: the parentheses and commas stay literal.
      const url = `${new URL('/rest/organizations', this.p.assetsUrl).toString()}?ids=List(${ids.slice(i, i + LOOKUP_BATCH).join(',')})`;
      const res = await this.http.send({ method: 'GET', url, headers, purpose });
      if (res.status !== 200) continue;
      const results = (res.json as { results?: unknown } | undefined)?.results;
      if (!results || typeof results !== 'object') continue;
      for (const [id, org] of Object.entries(results as Record<string, unknown>))
        if (org && typeof org === 'object') names.set(id, org as Record<string, unknown>);
    }
    return names;
  }
}
