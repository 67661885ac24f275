import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  createAccessTokenVerifier,
  createMemoryClientStore,
  createOAuthHandlers,
  createRefreshRotation,
  generateApiToken,
  hashApiToken,
  type IssuedTokens,
  type IssueTokensArgs,
  type OAuthClient,
  type OAuthRequest,
  type OAuthResponse,
  type OnAuthorizeArgs,
  type OnAuthorizeResult,
  type OnRefreshTokenArgs,
  type OnRefreshTokenResult,
  type RefreshTokenStore,
} from '@ttoss/auth-core';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { PROVIDER_CONFIGS, type ProviderConfig } from '../providers/provider.types.js';
import { DEMO_PLATFORM } from './demo-provider.config.js';
import { consentPage } from './demo-consent-page.js';
import { DemoProviderTokenRepository, RefreshTokenRaced } from './demo-provider-token.repository.js';
import type { DemoResponse } from './demo-http.js';
import type { DemoFailuresDto, DemoFailuresStateDto } from './demo.dto.js';
import { deleteInBatches, scheduleRetention } from '../common/retention.js';

const SCOPES = ['profile', 'offline_access'];
const ACCOUNT = /^[A-Za-z0-9._@-]{1,64}$/;
const AUTHORIZE_PARAMS = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method'];
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const DEFAULT_ERROR: Record<number, string> = { 400: 'invalid_grant', 401: 'invalid_client', 429: 'slow_down' };

type Decision = { allow: true; account: string } | { allow: false };
type ConsentBody = { consent: { clientName: string; scopes: string[] } };
type Owner = { clientId: string; subject: string };

const isConsent = (body: unknown): body is ConsentBody => typeof body === 'object' && body !== null && 'consent' in body;
const withParams = (url: string, params: Record<string, string | undefined>) => {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
};

/**
 * The `demo` platform's authorization server (development only): `createOAuthHandlers` from
 * @ttoss/auth-core, a sign-in/consent page where any name signs in, PKCE S256, refresh-token
 * rotation with reuse detection, RFC 7009 revocation, a userinfo endpoint, and injectable token
 * endpoint failures. Codes and tokens are kept (hashed) in the database, so a restart changes
 * nothing; expired ones are deleted every 10 minutes.
 */
// The consent page may run in the hosted connect popup: as a provider's sign-in page in a popup, it keeps window.opener.
const KEEP_OPENER = { 'cross-origin-opener-policy': 'unsafe-none' };

@Injectable()
export class DemoProviderService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DemoProvider');
  private readonly issuer: string;
  private readonly ttlSeconds: number;
  private readonly clients;
  private readonly accessTokens;
  private readonly refreshTokens: RefreshTokenStore;
  private readonly rotation;
  private readonly verifyAccessToken;
  /** The user's decision on the consent page, keyed by PKCE challenge, read back by onAuthorize in the same request. */
  private readonly decisions = new Map<string, Decision>();
  private readonly oauth;
  private failures = { remaining: 0, status: 503, error: 'temporarily_unavailable' };
  private stopRetention?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PROVIDER_CONFIGS) providers: ProviderConfig[],
    private readonly store: DemoProviderTokenRepository,
  ) {
    const provider = providers.find((p) => p.id === DEMO_PLATFORM);
    if (!config.devConveniences || !provider) throw new Error('The demo provider runs only when enabled, never in production');
    this.issuer = provider.issuer!;
    this.ttlSeconds = config.demoProvider.accessTokenTtlSeconds;
    this.clients = createMemoryClientStore([
      {
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
        client_name: 'oauth-connections',
        // The settings page's redirect URI, and the hosted connect page's callback (src/connect-sessions).
        redirect_uris: [provider.redirectUri ?? config.oauthRedirectUri, config.connectCallbackUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: provider.clientAuthMethod,
        scope: SCOPES.join(' '),
      },
    ]);
    this.accessTokens = store.accessTokens;
    // Reuse of a rotated refresh token revokes the whole grant, access tokens included.
    this.refreshTokens = { ...store.refreshTokens, deleteByOwner: (owner) => this.revokeGrant(owner) };
    this.rotation = createRefreshRotation({ store: this.refreshTokens, hashToken: hashApiToken });
    this.verifyAccessToken = createAccessTokenVerifier({ store: this.accessTokens });
    this.oauth = createOAuthHandlers({
      issuer: this.issuer,
      clientStore: this.clients,
      authCodeStore: store.codes,
      authorizationCodeTtl: 120,
      scopesSupported: SCOPES,
      issueTokens: (args) => this.issueTokens(args),
      onAuthorize: (args) => this.onAuthorize(args),
      onRefreshToken: (args) => this.onRefreshToken(args),
    });
  }

  onModuleDestroy(): void {
    this.stopRetention?.();
  }

  onApplicationBootstrap(): void {
    this.stopRetention = scheduleRetention(this.logger, 'demo provider tokens', () => this.deleteExpired());
    this.logger.log(
      `Demo provider enabled at ${this.issuer} (development only): connect it from ${this.config.oauthRedirectUri}, sign in with any name; access tokens live ${this.ttlSeconds} s`,
    );
  }

  metadata(): DemoResponse {
    const { registration_endpoint: _unused, ...base } = this.oauth.authorizationServerMetadata().body as Record<string, unknown>;
    const authMethods = ['client_secret_post', 'client_secret_basic'];
    return {
      status: 200,
      json: {
        ...base,
        revocation_endpoint: `${this.issuer}/revoke`,
        userinfo_endpoint: `${this.issuer}/userinfo`,
        token_endpoint_auth_methods_supported: authMethods,
        revocation_endpoint_auth_methods_supported: authMethods,
        authorization_response_iss_parameter_supported: true,
      },
    };
  }

  /** GET /authorize: validates the request, then shows the sign-in/consent page. */
  async authorize(req: OAuthRequest): Promise<DemoResponse> {
    return this.authorizeResponse(req.query, await this.oauth.authorize(req), {});
  }

  /** POST /authorize: the consent form. Replays the validated request with the user's decision. */
  async consent(req: OAuthRequest): Promise<DemoResponse> {
    const form = req.body as Record<string, string | undefined>;
    const query = Object.fromEntries(AUTHORIZE_PARAMS.map((k) => [k, form[k]]));
    const challenge = query.code_challenge;
    const account = (form.account ?? '').trim();
    const invalidName = form.decision !== 'deny' && !ACCOUNT.test(account);
    if (challenge && form.decision === 'deny') this.decisions.set(challenge, { allow: false });
    else if (challenge && !invalidName) this.decisions.set(challenge, { allow: true, account });
    try {
      const res = await this.oauth.authorize({ query, body: {}, headers: req.headers });
      return this.authorizeResponse(query, res, { account, error: invalidName ? 'Type a name: 1-64 letters, digits, ".", "_", "@" or "-".' : undefined });
    } finally {
      if (challenge) this.decisions.delete(challenge);
    }
  }

  /** POST /token: authorization_code (PKCE) and refresh_token (rotating) grants. */
  async token(req: OAuthRequest): Promise<DemoResponse> {
    const injected = this.takeFailure();
    const res = injected ?? (await this.oauth.token(req));
    const headers: Record<string, string> = { ...NO_STORE };
    if (res.status === 401) headers['www-authenticate'] = 'Basic realm="demo-provider"';
    if (res.status === 429) headers['retry-after'] = '30';
    return { status: res.status, json: res.body, headers };
  }

  /** POST /revoke (RFC 7009): a refresh token revokes its whole grant; unknown tokens are not an error. */
  async revoke(req: OAuthRequest): Promise<DemoResponse> {
    const client = await this.authenticateClient(req);
    if (!client)
      return {
        status: 401,
        json: { error: 'invalid_client', error_description: 'client authentication failed' },
        headers: { 'www-authenticate': 'Basic realm="demo-provider"' },
      };
    const token = req.body.token;
    if (typeof token !== 'string' || token === '') return { status: 400, json: { error: 'invalid_request', error_description: 'token is required' } };
    const hash = hashApiToken(token);
    const refresh = await this.refreshTokens.get(hash);
    const access = await this.accessTokens.get(hash);
    if (refresh?.clientId === client.client_id) await this.refreshTokens.deleteByOwner(refresh);
    else if (access?.clientId === client.client_id) await this.accessTokens.delete(hash);
    return { status: 200, headers: NO_STORE };
  }

  /** GET /userinfo: the demo account behind a Bearer access token. */
  async userinfo(req: OAuthRequest): Promise<DemoResponse> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const who = bearer ? await this.verifyAccessToken(bearer) : null;
    if (!who) {
      const headers = { 'www-authenticate': 'Bearer realm="demo-provider", error="invalid_token"' };
      return { status: 401, json: { error: 'invalid_token', error_description: 'The access token is missing, expired or revoked' }, headers };
    }
    if (!who.scopes.includes('profile')) return { status: 403, json: { error: 'insufficient_scope', error_description: 'needs the profile scope' } };
    return { status: 200, json: { sub: who.subject, preferred_username: who.subject, name: `${who.subject} (demo)` }, headers: NO_STORE };
  }

  /** Makes the next `count` token endpoint requests fail with `status` (0 clears). */
  setFailures(dto: DemoFailuresDto): DemoFailuresStateDto {
    const status = dto.status ?? 503;
    this.failures = { remaining: dto.count, status, error: dto.error ?? DEFAULT_ERROR[status] ?? 'temporarily_unavailable' };
    this.logger.warn(`The next ${dto.count} token request(s) will fail with ${status} ${this.failures.error}`);
    return { ...this.failures };
  }

  private takeFailure(): OAuthResponse | undefined {
    if (this.failures.remaining <= 0) return undefined;
    this.failures.remaining -= 1;
    return { status: this.failures.status, body: { error: this.failures.error, error_description: 'Failure injected with POST /demo-provider/_failures' } };
  }

  private onAuthorize({ client, request }: OnAuthorizeArgs): OnAuthorizeResult {
    const decision = this.decisions.get(request.codeChallenge);
    this.decisions.delete(request.codeChallenge);
    const scopes = request.scopes.filter((s) => SCOPES.includes(s));
    if (!decision)
      return { approved: false, status: 200, body: { consent: { clientName: client.client_name ?? client.client_id, scopes } } satisfies ConsentBody };
    if (decision.allow) return { approved: true, subject: decision.account, scopes };
    return {
      approved: false,
      redirect: withParams(request.redirectUri, { error: 'access_denied', error_description: 'The user denied access', state: request.state }),
    };
  }

  private authorizeResponse(query: Record<string, string | undefined>, res: OAuthResponse, page: { account?: string; error?: string }): DemoResponse {
    // Every redirect goes to the client's registered redirect_uri: add the issuer (RFC 9207).
    if (res.redirect !== undefined) return { status: 302, redirect: withParams(res.redirect, { iss: this.issuer }), headers: KEEP_OPENER };
    if (res.status !== 200 || !isConsent(res.body)) return { status: res.status, json: res.body, headers: NO_STORE };
    const params = Object.fromEntries(AUTHORIZE_PARAMS.flatMap((k) => (query[k] === undefined ? [] : [[k, query[k]!]])));
    // The form posts here and the answer redirects to the client: allow both in form-action.
    const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self' ${new URL(query.redirect_uri!).origin}; frame-ancestors 'none'; base-uri 'none'`;
    return {
      status: 200,
      html: consentPage({ ...res.body.consent, params, ...page }),
      headers: { ...NO_STORE, ...KEEP_OPENER, 'content-security-policy': csp },
    };
  }

  private async issueTokens({ subject, scopes, client }: IssueTokensArgs): Promise<IssuedTokens> {
    const { token, tokenHash, displayPrefix } = generateApiToken({ prefix: 'demo' });
    const now = Date.now();
    await this.accessTokens.save({
      tokenHash,
      clientId: client.client_id,
      subject,
      scopes,
      expiresAt: now + this.ttlSeconds * 1000,
      createdAt: now,
      displayPrefix,
    });
    const refreshToken = scopes.includes('offline_access') ? await this.rotation.issue({ client, subject, scopes }) : undefined;
    this.logger.log(`Issued a ${this.ttlSeconds} s access token${refreshToken ? ' and a new refresh token' : ''} for demo account "${subject}"`);
    return { accessToken: token, refreshToken, expiresIn: this.ttlSeconds, scope: scopes.join(' ') };
  }

  /** Revokes every refresh and access token of one (client, account) grant. */
  private async revokeGrant(owner: Owner): Promise<void> {
    await this.store.deleteGrant(owner);
    this.logger.log(`Revoked the grant of demo account "${owner.subject}"`);
  }

  /** auth-core's rotation; a token used twice at once (the second consume found it consumed) is reuse too. */
  private async onRefreshToken(args: OnRefreshTokenArgs): Promise<OnRefreshTokenResult> {
    try {
      return await this.rotation.onRefreshToken(args);
    } catch (error) {
      if (!(error instanceof RefreshTokenRaced)) throw error;
      await this.revokeGrant(error.owner);
      return undefined;
    }
  }

  /** Retention: expired codes and tokens (consumed refresh tokens too, once past their expiry), in batches. */
  deleteExpired(): Promise<number> {
    return deleteInBatches((limit) => this.store.deleteExpired(limit));
  }

  /** client_secret_post or client_secret_basic, compared in constant time. */
  private async authenticateClient({ body, headers }: OAuthRequest): Promise<OAuthClient | undefined> {
    let id = typeof body.client_id === 'string' ? body.client_id : undefined;
    let secret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
    if (headers.authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(headers.authorization.slice(6), 'base64').toString();
      const colon = decoded.indexOf(':');
      try {
        [id, secret] = colon < 0 ? [undefined, undefined] : [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
      } catch {
        return undefined;
      }
    }
    const client = id ? await this.clients.get(id) : undefined;
    if (!client?.client_secret || secret === undefined) return undefined;
    const [a, b] = [hashApiToken(secret), hashApiToken(client.client_secret)].map((h) => Buffer.from(h, 'hex'));
    return timingSafeEqual(a!, b!) ? client : undefined;
  }
}
