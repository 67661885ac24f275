import type { Profile, TokenSet } from '../provider.types.js';
import { pick, StandardAdapter, type StoredTokens } from './standard.adapter.js';

/** TikTok Login Kit v2: `client_key`, comma scopes, `open_id` in the token response, revoke by access token. */
export class TikTokAdapter extends StandardAdapter {
  protected override get clientIdParam(): string {
    return 'client_key';
  }

  override async fetchProfile(tokens: TokenSet): Promise<Profile> {
    if (!this.p.userInfoUrl) return { accountId: tokens.accountId ?? null, username: null };
    const url = new URL(this.p.userInfoUrl);
    if (!url.searchParams.has('fields')) url.searchParams.set('fields', 'open_id,union_id,display_name');
    const res = await this.http.send({ method: 'GET', url: url.toString(), headers: { authorization: `Bearer ${tokens.accessToken}` }, purpose: 'user info' });
    const body = this.expectJson(res, 'user info');
    const code = pick(body, 'error.code');
    if (typeof code === 'string' && code !== 'ok') throw this.classified(code, res, 'user info');
    return this.profileFrom(body, tokens);
  }

  protected override errorCodeOf(body: unknown): string | undefined {
    const e = pick(body, 'error');
    if (typeof e === 'string') return e.slice(0, 64);
    const nested = pick(body, 'error.code'); // API (not OAuth) endpoints wrap errors
    return typeof nested === 'string' && nested !== 'ok' ? nested.slice(0, 64) : undefined;
  }

  protected override classOf(code: string) {
    if (code === 'access_token_invalid') return 'invalid_grant' as const;
    if (code === 'rate_limit_exceeded') return 'rate_limited' as const;
    return super.classOf(code);
  }

  override async revoke(tokens: StoredTokens): Promise<void> {
    if (!this.p.revocationUrl) return;
    const res = await this.tokenRequest(this.p.revocationUrl, 'revocation', { token: tokens.accessToken });
    if (res.status !== 200) throw this.errorFrom(res, 'revocation');
  }
}
