import type { ProviderHttpClient, ProviderRequest, ProviderResponse } from '../provider-http.client.js';
import { hasUnsafeCharacters, safeCode, safeDisplayText } from '../../common/safe-text.js';
import { parseRetryAfter } from '../provider-http.client.js';
import { type FailureClass, ProviderError } from '../provider.exception.js';
import {
  type AssetKind,
  type AssetListing,
  type ErrorRule,
  isReservedAuthorizationParam,
  type Profile,
  type ProviderConfig,
  type TokenSet,
} from '../provider.types.js';

export type AuthorizeArgs = { state: string; redirectUri: string; codeChallenge?: string; scopes?: string[] };
export type ExchangeArgs = { code: string; redirectUri: string; codeVerifier?: string };
export type StoredTokens = { accessToken: string; refreshToken?: string | null };

/** What an error answer says (see StandardAdapter.errorFacts); `message` is only ever matched, never kept. */
export type ErrorFacts = { error?: string; code?: number | string; subcode?: number; type?: string; message?: string };

// RFC 6749 §5.2 codes, for answers the provider's error map does not cover.
const GRANT_DEAD = new Set(['invalid_grant', 'invalid_token', 'expired_token', 'access_denied']);
const CLIENT_WRONG = new Set(['invalid_client', 'unauthorized_client', 'unsupported_grant_type']);
const TRANSIENT = new Set(['temporarily_unavailable', 'server_error', 'slow_down']);

const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v.slice(0, 1024) : undefined);
const integer = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);
const codeOf = (v: unknown) => integer(v) ?? text(v)?.slice(0, 64);

function ruleMatches(rule: ErrorRule, status: number, f: ErrorFacts): boolean {
  return (
    (rule.status === undefined || rule.status === status) &&
    (rule.error === undefined || rule.error === f.error) &&
    (rule.code === undefined || rule.code === f.code) &&
    (rule.subcode === undefined || rule.subcode === f.subcode) &&
    (rule.message === undefined || (f.message !== undefined && rule.message.test(f.message)))
  );
}

/** Reads a dotted path (`data.user.open_id`) from a JSON value. */
export function pick(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

/** Token lifetimes beyond this are nonsense (or an attempt to overflow a date): malformed. */
export const MAX_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;
const MAX_ACCOUNT_ID = 255; // the account_id column
const MAX_SCOPES = 256;
const MAX_SCOPE_LENGTH = 512;

/**
 * An account id exactly as the provider gave it (never trimmed or cut: two accounts must not
 * collapse into one), or null when absent. Anything that cannot be an id is malformed.
 */
export function accountIdOf(value: unknown, purpose: string, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && value.length <= 2 * MAX_ACCOUNT_ID && !hasUnsafeCharacters(value) && Array.from(value).length <= MAX_ACCOUNT_ID)
    return value;
  throw new ProviderError('malformed', `${purpose}: ${field.slice(0, 64)} is not a usable account id`);
}

/**
 * RFC 6749 / 7009 / 7636 client behaviour. Provider adapters extend this and override only
 * what their provider does differently.
 */
export class StandardAdapter {
  constructor(
    protected readonly p: ProviderConfig,
    protected readonly http: ProviderHttpClient,
  ) {}

  authorizationUrl(args: AuthorizeArgs): string {
    const url = new URL(this.p.authorizationUrl);
    // Reserved names (refused at startup too) never come from configuration: ours always win.
    for (const k of [...url.searchParams.keys()]) if (isReservedAuthorizationParam(k)) url.searchParams.delete(k);
    const extras = Object.entries(this.p.authorizationParams).filter(([k]) => !isReservedAuthorizationParam(k));
    const params: Record<string, string> = {
      [this.clientIdParam]: this.p.clientId,
      response_type: 'code',
      redirect_uri: args.redirectUri,
      state: args.state,
      ...Object.fromEntries(extras),
    };
    const scopes = args.scopes ?? this.p.scopes;
    if (scopes.length) params.scope = scopes.join(this.p.scopeSeparator);
    if (args.codeChallenge) Object.assign(params, { code_challenge: args.codeChallenge, code_challenge_method: 'S256' });
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.toString();
  }

  protected get clientIdParam(): string {
    return 'client_id';
  }

  /** Some providers decorate the code in the redirect (Instagram appends `#_`). */
  normalizeCode(code: string): string {
    return code;
  }

  async exchangeCode(args: ExchangeArgs): Promise<TokenSet> {
    const res = await this.tokenRequest(this.p.tokenUrl, 'token exchange', {
      grant_type: 'authorization_code',
      code: args.code,
      redirect_uri: args.redirectUri,
      code_verifier: args.codeVerifier,
    });
    return this.parseTokens(res, 'token exchange');
  }

  async refresh(tokens: StoredTokens): Promise<TokenSet> {
    if (!tokens.refreshToken) throw new ProviderError('invalid_grant', 'refresh: no refresh token stored; the user must reconnect');
    const res = await this.tokenRequest(this.p.refreshUrl, 'refresh', { grant_type: 'refresh_token', refresh_token: tokens.refreshToken });
    return this.parseTokens(res, 'refresh');
  }

  async fetchProfile(tokens: TokenSet): Promise<Profile> {
    if (!this.p.userInfoUrl) return { accountId: tokens.accountId ?? null, username: null };
    const res = await this.http.send({
      method: 'GET',
      url: this.p.userInfoUrl,
      headers: { authorization: `Bearer ${tokens.accessToken}` },
      purpose: 'user info',
    });
    const body = this.expectJson(res, 'user info');
    return this.profileFrom(body, tokens);
  }

  protected profileFrom(body: unknown, tokens: TokenSet): Profile {
    return {
      accountId: accountIdOf(pick(body, this.p.accountIdField), 'user info', this.p.accountIdField) ?? tokens.accountId ?? null,
      username: safeDisplayText(pick(body, this.p.usernameField)) ?? safeDisplayText(pick(body, 'name')),
    };
  }

  /**
   * Whether the provider still accepts this access token, asked where it can be (its userinfo):
   * true, false (401), or undefined when it cannot tell (no endpoint, or another failure).
   */
  async checkToken(accessToken: string): Promise<boolean | undefined> {
    if (!this.p.userInfoUrl) return undefined;
    try {
      await this.fetchProfile({ accessToken });
      return true;
    } catch (error) {
      return error instanceof ProviderError && error.details.status === 401 ? false : undefined;
    }
  }

  /** The granted scopes where the token response omits them: RFC 7662 introspection, when the provider has an endpoint. */
  async introspectScopes(tokens: TokenSet): Promise<string[] | undefined> {
    if (!this.p.introspectionUrl) return undefined;
    const res = await this.tokenRequest(this.p.introspectionUrl, 'introspection', { token: tokens.accessToken, token_type_hint: 'access_token' });
    const body = this.expectJson(res, 'introspection') as Record<string, unknown>;
    return this.scopesFrom(body.scope, (what) => new ProviderError('malformed', `introspection: ${what}`, { status: res.status }));
  }

  /**
   * The Pages, organisations or channels this grant reaches, of the `kinds` it has the scopes for.
   * A provider without assets lists none; the adapters of those with assets override this.
   */
  async discoverAssets(_accessToken: string, _kinds: ReadonlySet<AssetKind>): Promise<AssetListing> {
    return { assets: [], complete: true };
  }

  /** RFC 7009: the refresh token when there is one (it revokes the grant), else the access token. */
  async revoke(tokens: StoredTokens): Promise<void> {
    if (!this.p.revocationUrl) return;
    const [token, hint] = tokens.refreshToken ? [tokens.refreshToken, 'refresh_token'] : [tokens.accessToken, 'access_token'];
    const res = await this.tokenRequest(this.p.revocationUrl, 'revocation', { token, token_type_hint: hint });
    if (res.status !== 200) throw this.errorFrom(res, 'revocation');
  }

  /** POST with the configured client authentication. */
  protected tokenRequest(url: string, purpose: string, form: Record<string, string | undefined>): Promise<ProviderResponse> {
    const req: ProviderRequest = { method: 'POST', url, purpose, form: { ...form } };
    if (this.p.clientAuthMethod === 'client_secret_basic') {
      // RFC 6749 §2.3.1: form-encode each part before base64.
      const basic = Buffer.from(`${encodeURIComponent(this.p.clientId)}:${encodeURIComponent(this.p.clientSecret)}`).toString('base64');
      req.headers = { authorization: `Basic ${basic}` };
      req.form!.client_id = this.p.clientId; // harmless and required by some (X) for public-client fallbacks
    } else {
      req.form![this.clientIdParam] = this.p.clientId;
      req.form!.client_secret = this.p.clientSecret;
    }
    return this.http.send(req);
  }

  protected expectJson(res: ProviderResponse, purpose: string): unknown {
    if (res.status < 200 || res.status >= 300) throw this.errorFrom(res, purpose);
    if (res.json === undefined || typeof res.json !== 'object' || res.json === null) {
      throw new ProviderError('malformed', `${purpose}: provider answered ${res.status} without a JSON object`, { status: res.status });
    }
    return res.json;
  }

  /** Validates a token endpoint answer: status, JSON, access_token, numeric expiries. */
  protected parseTokens(res: ProviderResponse, purpose: string): TokenSet {
    const body = this.expectJson(res, purpose) as Record<string, unknown>;
    const facts = this.errorFacts(body);
    if (facts && typeof body.access_token !== 'string') throw this.failure(res, purpose, facts);
    return this.tokensFrom(body, purpose, res.status);
  }

  protected tokensFrom(body: Record<string, unknown> | undefined, purpose: string, status = 200): TokenSet {
    const malformed = (what: string) => new ProviderError('malformed', `${purpose}: ${what}`, { status });
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw malformed('token response is not a JSON object');
    const accessToken = body.access_token;
    if (typeof accessToken !== 'string' || accessToken.length === 0) throw malformed('token response has no access_token');
    const seconds = (field: string): number | undefined => {
      const v = body[field];
      if (v === undefined || v === null) return undefined;
      const n = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_LIFETIME_SECONDS)
        throw malformed(`${field} is not a whole number of seconds between 0 and 10 years`);
      return n;
    };
    const refresh = body.refresh_token;
    return {
      accessToken,
      refreshToken: typeof refresh === 'string' && refresh.length > 0 ? refresh : undefined,
      expiresIn: seconds('expires_in'),
      refreshTokenExpiresIn: seconds('refresh_token_expires_in') ?? seconds('refresh_expires_in'),
      scopes: this.scopesFrom(body.scope, malformed),
      accountId: accountIdOf(body.open_id, purpose, 'open_id') ?? accountIdOf(body.user_id, purpose, 'user_id') ?? undefined,
    };
  }

  /** The granted scopes (space or comma separated); they are stored and shown, so they are bounded. */
  protected scopesFrom(scope: unknown, malformed: (what: string) => ProviderError): string[] | undefined {
    if (typeof scope !== 'string') return undefined;
    const scopes = scope.split(/[\s,]+/).filter(Boolean);
    if (scopes.length > MAX_SCOPES || scopes.some((s) => s.length > MAX_SCOPE_LENGTH || hasUnsafeCharacters(s)))
      throw malformed('scope is not a list of scope names');
    return scopes;
  }

  /**
   * The error fields of a body, in the shapes providers use: RFC 6749 `{ error, error_description }`,
   * Graph `{ error: { type, code, error_subcode, message } }`, Pinterest `{ code, message }`,
   * Instagram's `{ error_type, code, error_message }`. Undefined when it carries neither an
   * `error` nor a `code`.
   */
  protected errorFacts(body: unknown): ErrorFacts | undefined {
    if (!body || typeof body !== 'object') return undefined;
    const nested = pick(body, 'error');
    const inner = nested && typeof nested === 'object' ? nested : undefined;
    const facts: ErrorFacts = {
      error: text(nested),
      code: codeOf(pick(inner, 'code')) ?? codeOf(pick(body, 'code')),
      subcode: integer(pick(inner, 'error_subcode')) ?? integer(pick(body, 'error_subcode')),
      type: text(pick(inner, 'type')) ?? text(pick(body, 'error_type')),
      message: text(pick(body, 'error_description')) ?? text(pick(inner, 'message')) ?? text(pick(body, 'message')) ?? text(pick(body, 'error_message')),
    };
    return facts.error !== undefined || facts.code !== undefined ? facts : undefined;
  }

  /** The code logged, stored and put in messages: the OAuth `error`, else the provider's code (`OAuthException/190/460`, `code/283`). */
  private providerCodeOf(f: ErrorFacts): string {
    if (f.error) return f.error;
    if (typeof f.code === 'string' && !f.type) return f.code;
    return [f.type ?? 'code', String(f.code), ...(f.subcode === undefined ? [] : [String(f.subcode)])].join('/');
  }

  /**
   * The provider's error map (catalogue data) first, then RFC 6749's codes, then the status alone.
   * 429 is always rate limiting; a 5xx is transient unless a rule says otherwise.
   */
  protected classify(status: number, facts: ErrorFacts | undefined): FailureClass {
    if (status === 429) return 'rate_limited';
    const rule = facts && this.p.errorMap.find((r) => ruleMatches(r, status, facts));
    if (rule) return rule.failureClass;
    if (facts?.error) {
      const oauth = GRANT_DEAD.has(facts.error)
        ? 'invalid_grant'
        : CLIENT_WRONG.has(facts.error)
          ? 'invalid_client'
          : TRANSIENT.has(facts.error)
            ? 'transient'
            : 'provider_error';
      return status >= 500 && oauth === 'provider_error' ? 'transient' : oauth;
    }
    if (status >= 500) return 'transient';
    // A 401 no rule explains is taken as our credentials being refused (RFC 6749 §5.2 invalid_client).
    if (status === 401) return 'invalid_client';
    return facts ? 'provider_error' : 'malformed';
  }

  /** The classified error for a failed answer; every provider code passes here on its way to a message, a log line or a column. */
  protected failure(res: ProviderResponse, purpose: string, facts: ErrorFacts | undefined): ProviderError {
    const failureClass = this.classify(res.status, facts);
    const code = facts && (safeCode(this.providerCodeOf(facts)) ?? 'unknown_error');
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    const what = code ? ` ${code}` : failureClass === 'malformed' ? ' without an OAuth error' : '';
    return new ProviderError(failureClass, `${purpose}: provider answered ${res.status}${what}`, { providerCode: code, status: res.status, retryAfterMs });
  }

  /** Classifies a non-2xx answer without ever quoting its body. */
  errorFrom(res: ProviderResponse, purpose: string): ProviderError {
    return this.failure(res, purpose, res.json !== undefined ? this.errorFacts(res.json) : undefined);
  }
}
