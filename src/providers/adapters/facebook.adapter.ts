import { ProviderError } from '../provider.exception.js';
import type { AssetCapability, AssetKind, AssetListing, DiscoveredAsset, Profile, TokenSet } from '../provider.types.js';
import { assetOf, entryOf, MAX_ASSET_PAGES, MAX_ASSETS, samePlaceNext } from './assets.js';
import type { ExchangeArgs, StoredTokens } from './standard.adapter.js';
import { GraphAdapter } from './graph.adapter.js';

/**
 * Facebook Login: the code is exchanged by GET, the short-lived token is swapped for a 60-day one
 * (`fb_exchange_token`), and there is no refresh token: renewal needs the user.
 */
export class FacebookAdapter extends GraphAdapter {
  override async exchangeCode(args: ExchangeArgs): Promise<TokenSet> {
    const res = await this.graphGet(
      this.p.tokenUrl,
      { client_id: this.p.clientId, client_secret: this.p.clientSecret, redirect_uri: args.redirectUri, code: args.code },
      'token exchange',
    );
    const short = this.parseTokens(res, 'token exchange');
    const long = await this.graphGet(
      this.p.tokenUrl,
      { grant_type: 'fb_exchange_token', client_id: this.p.clientId, client_secret: this.p.clientSecret, fb_exchange_token: short.accessToken },
      'long-lived token exchange',
    );
    return { ...this.parseTokens(long, 'long-lived token exchange'), refreshToken: undefined };
  }

  override async refresh(): Promise<TokenSet> {
    throw new ProviderError('invalid_grant', 'refresh: Facebook user tokens cannot be refreshed; the user must reconnect');
  }

  override async fetchProfile(tokens: TokenSet): Promise<Profile> {
    if (!this.p.userInfoUrl) return { accountId: null, username: null };
    const res = await this.graphGet(this.p.userInfoUrl, { access_token: tokens.accessToken }, 'user info');
    return this.profileFrom(this.expectJson(res, 'user info'), tokens);
  }

  /** debug_token says whether the token is valid (is_valid), which is the one check Facebook documents. */
  override async checkToken(accessToken: string): Promise<boolean | undefined> {
    if (!this.p.introspectionUrl) return super.checkToken(accessToken);
    const res = await this.graphGet(
      this.p.introspectionUrl,
      { input_token: accessToken, access_token: `${this.p.clientId}|${this.p.clientSecret}` },
      'debug_token',
    );
    if (res.status !== 200) return undefined;
    const valid = (res.json as { data?: { is_valid?: unknown } } | undefined)?.data?.is_valid;
    return typeof valid === 'boolean' ? valid : undefined;
  }

  /** debug_token (with the app token) lists the scopes the user granted: the token response does not. */
  override async introspectScopes(tokens: TokenSet): Promise<string[] | undefined> {
    if (!this.p.introspectionUrl) return undefined;
    const res = await this.graphGet(
      this.p.introspectionUrl,
      { input_token: tokens.accessToken, access_token: `${this.p.clientId}|${this.p.clientSecret}` },
      'debug_token',
    );
    const data = (this.expectJson(res, 'debug_token') as { data?: { scopes?: unknown } }).data;
    if (!Array.isArray(data?.scopes)) return undefined;
    const malformed = (what: string) => new ProviderError('malformed', `debug_token: ${what}`, { status: res.status });
    if (!data.scopes.every((s) => typeof s === 'string')) throw malformed('scopes is not a list of scope names');
    return this.scopesFrom(data.scopes.join(' '), malformed);
  }

  /**
   * GET /me/accounts: each Page with its Page token and the user's tasks on it, and the Instagram
   * professional account linked to it. Pages are followed through `paging.next` (cursor paging: a
   * missing `next` is the last page).
   */
  override async discoverAssets(accessToken: string, kinds: ReadonlySet<AssetKind>): Promise<AssetListing> {
    if (!this.p.assetsUrl || kinds.size === 0) return { assets: [], complete: true };
    const purpose = 'assets (me/accounts)';
    const found: DiscoveredAsset[] = [];
    // The Instagram field only with its permission: asking for it without would fail the whole listing.
    const fields = [
      'id,name,access_token,tasks,picture{url}',
      ...(kinds.has('instagram_account') ? ['instagram_business_account{id,username,name,profile_picture_url}'] : []),
    ];
    let res = await this.graphGet(this.p.assetsUrl, { fields: fields.join(','), limit: '100', access_token: accessToken }, purpose);
    for (let page = 1; ; page++) {
      const body = this.expectJson(res, purpose) as { data?: unknown; paging?: { next?: unknown } };
      if (!Array.isArray(body.data)) throw new ProviderError('malformed', `${purpose}: data is not a list`, { status: res.status });
      for (const item of body.data) {
        const entry = entryOf(item, purpose);
        const tasks = Array.isArray(entry.tasks) ? entry.tasks.filter((t): t is string => typeof t === 'string') : [];
        const capabilities = capabilitiesOfTasks(tasks);
        if (kinds.has('facebook_page')) {
          const picture = (entry.picture as { data?: { url?: unknown } } | null | undefined)?.data?.url;
          found.push(assetOf('facebook_page', purpose, { id: entry.id, name: entry.name, picture, capabilities, accessToken: entry.access_token }));
        }
        const ig = entry.instagram_business_account;
        if (kinds.has('instagram_account') && ig && typeof ig === 'object') {
          const account = ig as Record<string, unknown>;
          found.push(
            assetOf('instagram_account', purpose, {
              id: account.id,
              name: account.username ?? account.name,
              picture: account.profile_picture_url,
              capabilities,
            }),
          );
        }
      }
      const next = samePlaceNext(body.paging?.next, this.p.assetsUrl, purpose);
      if (!next) return { assets: found, complete: true };
      if (page >= MAX_ASSET_PAGES || found.length >= MAX_ASSETS) return { assets: found.slice(0, MAX_ASSETS), complete: false };
      res = await this.http.send({ method: 'GET', url: next, purpose });
    }
  }

  /** DELETE /me/permissions removes the app's grant. */
  override async revoke(tokens: StoredTokens): Promise<void> {
    if (!this.p.revocationUrl) return;
    const url = new URL(this.p.revocationUrl);
    url.searchParams.set('access_token', tokens.accessToken);
    const res = await this.http.send({ method: 'DELETE', url: url.toString(), purpose: 'revocation' });
    if (res.status !== 200) throw this.errorFrom(res, 'revocation');
  }
}

/**
 * A Page task as a capability: CREATE_CONTENT (and MANAGE) publish, ANALYZE reads insights
 * (developers.facebook.com/docs/pages/overview/permissions-features, read 2026-12-04).
 */
const TASKS: Record<string, AssetCapability[]> = {
  MANAGE: ['manage', 'publish', 'analytics', 'moderate', 'advertise'],
  CREATE_CONTENT: ['publish'],
  MODERATE: ['moderate'],
  ADVERTISE: ['advertise'],
  ANALYZE: ['analytics'],
};

function capabilitiesOfTasks(tasks: string[]): AssetCapability[] {
  return tasks.flatMap((t) => TASKS[t] ?? []);
}
