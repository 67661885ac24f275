import type { Profile, TokenSet } from '../provider.types.js';
import { safeDisplayText } from '../../common/safe-text.js';
import { type ErrorFacts, pick, StandardAdapter, type StoredTokens } from './standard.adapter.js';

/**
 * TikTok Login Kit v2: `client_key`, comma scopes, `open_id` in the token response, revoke by
 * access token. The profile shows the handle (`username`, which needs `user.info.profile`) when the
 * user granted it, else the display name (not unique): developers.tiktok.com/doc/tiktok-api-v2-get-user-info
 * and bulletin/user-info-scope-migration (read 2026-12-03).
 */
export class TikTokAdapter extends StandardAdapter {
  protected override get clientIdParam(): string {
    return 'client_key';
  }

  override async fetchProfile(tokens: TokenSet): Promise<Profile> {
    if (!this.p.userInfoUrl) return { accountId: tokens.accountId ?? null, username: null };
    const url = new URL(this.p.userInfoUrl);
    const granted = tokens.scopes ?? this.p.scopes;
    // Asking for a field whose scope was not granted fails the whole call (scope_not_authorized).
    if (!url.searchParams.has('fields'))
      url.searchParams.set('fields', ['open_id', 'union_id', 'display_name', ...(granted.includes('user.info.profile') ? ['username'] : [])].join(','));
    const res = await this.http.send({ method: 'GET', url: url.toString(), headers: { authorization: `Bearer ${tokens.accessToken}` }, purpose: 'user info' });
    const body = this.expectJson(res, 'user info');
    // API (not OAuth) endpoints answer 200 with `error.code` "ok", or an error code (classified by the catalogue's map).
    const facts = this.errorFacts(body);
    if (facts) throw this.failure(res, 'user info', facts);
    const profile = this.profileFrom(body, tokens);
    return { ...profile, username: profile.username ?? safeDisplayText(pick(body, 'data.user.display_name')) };
  }

  protected override errorFacts(body: unknown): ErrorFacts | undefined {
    const facts = super.errorFacts(body);
    return facts?.code === 'ok' && !facts.error ? undefined : facts;
  }

  override async revoke(tokens: StoredTokens): Promise<void> {
    if (!this.p.revocationUrl) return;
    const res = await this.tokenRequest(this.p.revocationUrl, 'revocation', { token: tokens.accessToken });
    if (res.status !== 200) throw this.errorFrom(res, 'revocation');
  }
}
