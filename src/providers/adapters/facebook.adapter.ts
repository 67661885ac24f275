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

  /** DELETE /me/permissions removes the app's grant. */
  override async revoke(tokens: StoredTokens): Promise<void> {
    if (!this.p.revocationUrl) return;
    const url = new URL(this.p.revocationUrl);
    url.searchParams.set('access_token', tokens.accessToken);
    const res = await this.http.send({ method: 'DELETE', url: url.toString(), purpose: 'revocation' });
    if (res.status !== 200) throw this.errorFrom(res, 'revocation');
  }
}
