import type { Profile, TokenSet } from '../provider.types.js';
import type { ExchangeArgs, StoredTokens } from './standard.adapter.js';
import { GraphAdapter } from './graph.adapter.js';

/**
 * Instagram API with Instagram Login: the code exchange yields a 1-hour token that is swapped for
 * a 60-day one (`ig_exchange_token`); there is no refresh token, the access token itself is
 * refreshed (`ig_refresh_token`) once it is at least 24 hours old.
 */
export class InstagramAdapter extends GraphAdapter {
  override normalizeCode(code: string): string {
    return code.replace(/#_$/, '');
  }

  override async exchangeCode(args: ExchangeArgs): Promise<TokenSet> {
    const res = await this.tokenRequest(this.p.tokenUrl, 'token exchange', {
      grant_type: 'authorization_code',
      code: args.code,
      redirect_uri: args.redirectUri,
    });
    const body = this.expectJson(res, 'token exchange') as Record<string, unknown>;
    // Newer responses wrap the token in data[0]. user_id is often beyond 2^53: the shared JSON
    // parsing keeps its exact digits.
    const short = this.tokensFrom((Array.isArray(body.data) ? body.data[0] : body) as Record<string, unknown> | undefined, 'token exchange');
    const long = await this.graphGet(
      new URL('/access_token', this.p.refreshUrl).toString(),
      { grant_type: 'ig_exchange_token', client_secret: this.p.clientSecret, access_token: short.accessToken },
      'long-lived token exchange',
    );
    const tokens = this.parseTokens(long, 'long-lived token exchange');
    return { ...tokens, accountId: short.accountId, scopes: tokens.scopes ?? short.scopes };
  }

  override async refresh(tokens: StoredTokens): Promise<TokenSet> {
    const res = await this.graphGet(this.p.refreshUrl, { grant_type: 'ig_refresh_token', access_token: tokens.accessToken }, 'refresh');
    return this.parseTokens(res, 'refresh');
  }

  override async fetchProfile(tokens: TokenSet): Promise<Profile> {
    if (!this.p.userInfoUrl) return { accountId: tokens.accountId ?? null, username: null };
    const res = await this.graphGet(this.p.userInfoUrl, { fields: 'user_id,username', access_token: tokens.accessToken }, 'user info');
    return this.profileFrom(this.expectJson(res, 'user info'), tokens);
  }

  override async revoke(): Promise<void> {
    // Instagram has no revocation endpoint; users remove the app from their Instagram settings.
  }
}
