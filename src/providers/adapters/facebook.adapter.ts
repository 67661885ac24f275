import { ProviderError } from '../provider.exception.js';
import type { Profile, TokenSet } from '../provider.types.js';
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

  /** DELETE /me/permissions removes the app's grant. */
  override async revoke(tokens: StoredTokens): Promise<void> {
    if (!this.p.revocationUrl) return;
    const url = new URL(this.p.revocationUrl);
    url.searchParams.set('access_token', tokens.accessToken);
    const res = await this.http.send({ method: 'DELETE', url: url.toString(), purpose: 'revocation' });
    if (res.status !== 200) throw this.errorFrom(res, 'revocation');
  }
}
