import { ProviderError } from '../provider.exception.js';
import type { LongLivedToken, Profile, TokenSet } from '../provider.types.js';
import type { ExchangeArgs, StoredTokens } from './standard.adapter.js';
import { GraphAdapter } from './graph.adapter.js';

/**
 * Instagram API with Instagram Login, and the Threads API (the same shape): the code exchange
 * yields a 1-hour token that is swapped for a 60-day one (`ig_exchange_token`, `th_exchange_token`);
 * there is no refresh token, the access token itself is extended (`ig_refresh_token`,
 * `th_refresh_token`) once it is at least 24 hours old. The grant names are catalogue data.
 */
export class InstagramAdapter extends GraphAdapter {
  private get grants(): LongLivedToken {
    if (!this.p.longLivedToken) throw new ProviderError('provider_error', `${this.p.id}: the catalogue entry has no longLivedToken`);
    return this.p.longLivedToken;
  }

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
      { grant_type: this.grants.exchangeGrant, client_secret: this.p.clientSecret, access_token: short.accessToken },
      'long-lived token exchange',
    );
    const tokens = this.parseTokens(long, 'long-lived token exchange');
    return { ...tokens, accountId: short.accountId, scopes: tokens.scopes ?? short.scopes };
  }

  override async refresh(tokens: StoredTokens): Promise<TokenSet> {
    const res = await this.graphGet(this.p.refreshUrl, { grant_type: this.grants.refreshGrant, access_token: tokens.accessToken }, 'refresh');
    return this.parseTokens(res, 'refresh');
  }

  override async fetchProfile(tokens: TokenSet): Promise<Profile> {
    if (!this.p.userInfoUrl) return { accountId: tokens.accountId ?? null, username: null };
    const res = await this.graphGet(this.p.userInfoUrl, { fields: this.grants.profileFields, access_token: tokens.accessToken }, 'user info');
    return this.profileFrom(this.expectJson(res, 'user info'), tokens);
  }

  override async revoke(): Promise<void> {
    // Neither has a revocation endpoint; users remove the app in their Instagram or Threads settings.
  }
}
