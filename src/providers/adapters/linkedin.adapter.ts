import { ProviderError } from '../provider.exception.js';
import type { AssetCapability, AssetKind, DiscoveredAsset } from '../provider.types.js';
import { assetOf, MAX_ASSET_PAGES, MAX_ASSETS } from './assets.js';
import { StandardAdapter } from './standard.adapter.js';

const PAGE = 100;
const LOOKUP_BATCH = 50;
const ORGANIZATION_URN = /^urn:li:organization:(\d{1,20})$/;

/**
 * Member roles as capabilities (organization-access-control-by-role, read 2026-12-04):
 * ADMINISTRATOR manages the page, CONTENT_ADMINISTRATOR creates its content, ANALYST reads its
 * analytics, DIRECT_SPONSORED_CONTENT_POSTER posts sponsored content.
 */
const ROLES: Record<string, AssetCapability[]> = {
  ADMINISTRATOR: ['manage', 'publish', 'analytics'],
  CONTENT_ADMINISTRATOR: ['publish'],
  ANALYST: ['analytics'],
  DIRECT_SPONSORED_CONTENT_POSTER: ['advertise'],
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

  override async discoverAssets(accessToken: string, kinds: ReadonlySet<AssetKind>): Promise<DiscoveredAsset[]> {
    if (!this.p.assetsUrl || !kinds.has('linkedin_organization')) return [];
    const purpose = 'assets (organizationAcls)';
    const headers = { ...this.headers, authorization: `Bearer ${accessToken}` };
    const roles = new Map<string, AssetCapability[]>();
    for (let page = 0; page < MAX_ASSET_PAGES; page++) {
      const url = new URL(this.p.assetsUrl);
      url.searchParams.set('start', String(page * PAGE));
      url.searchParams.set('count', String(PAGE));
      const res = await this.http.send({ method: 'GET', url: url.toString(), headers, purpose });
      const body = this.expectJson(res, purpose) as { elements?: unknown };
      if (!Array.isArray(body.elements)) throw new ProviderError('malformed', `${purpose}: elements is not a list`, { status: res.status });
      for (const e of body.elements as Record<string, unknown>[]) {
        const id = typeof e?.organization === 'string' ? ORGANIZATION_URN.exec(e.organization)?.[1] : undefined;
        if (!id || e.state !== 'APPROVED' || roles.size >= MAX_ASSETS) continue;
        roles.set(id, [...(roles.get(id) ?? []), ...(ROLES[String(e.role)] ?? [])]);
      }
      // The documented paging has start and count; fewer than count is the last page.
      if (body.elements.length < PAGE) break;
    }
    const names = await this.organizationNames([...roles.keys()], headers);
    return [...roles].map(([id, capabilities]) =>
      assetOf('linkedin_organization', purpose, { id, name: names.get(id)?.localizedName ?? names.get(id)?.vanityName ?? null, capabilities }),
    );
  }

  /** GET /rest/organizations?ids=List(...): `results` keyed by id; an organisation it cannot name keeps no name. */
  private async organizationNames(ids: string[], headers: Record<string, string>): Promise<Map<string, Record<string, unknown>>> {
    const names = new Map<string, Record<string, unknown>>();
    const purpose = 'assets (organizations)';
    for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
      // Rest.li 2.0 list syntax: the parentheses and commas stay literal.
      const url = `${new URL('/rest/organizations', this.p.assetsUrl).toString()}?ids=List(${ids.slice(i, i + LOOKUP_BATCH).join(',')})`;
      const res = await this.http.send({ method: 'GET', url, headers, purpose });
      const results = (this.expectJson(res, purpose) as { results?: unknown }).results;
      if (!results || typeof results !== 'object') continue;
      for (const [id, org] of Object.entries(results as Record<string, unknown>))
        if (org && typeof org === 'object') names.set(id, org as Record<string, unknown>);
    }
    return names;
  }
}
