import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { generateOneTimeToken, hashOneTimeToken } from '@ttoss/auth-core';
import type { ServicePrincipal } from '../auth/auth.types.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { toErrorBody } from '../common/http-exception.filter.js';
import { ConnectFlowService } from '../connections/connect-flow.service.js';
import type { ConnectDto } from '../connections/connections.dto.js';
import { ConnectionsException } from '../connections/connections.exception.js';
import { ConnectionsService } from '../connections/connections.service.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import type { ConnectSession } from './connect-session.entity.js';
import { ConnectSessionRepository } from './connect-session.repository.js';
import type { ConnectSessionDto, CreateConnectSessionDto, StartConnectDto } from './connect-sessions.dto.js';
import { ConnectSessionsException } from './connect-sessions.exception.js';
import type { HostedResponse } from './hosted-http.js';
import { choosePage, type HostedResult, type LinkProblem, problemPage, resultPage } from './hosted-page/hosted-page.html.js';
import { allowedReturnUrl, withResult } from './return-urls.js';

/** A connect link works this long (issue 14). */
export const CONNECT_SESSION_TTL_SECONDS = 30 * 60;
const TOKEN_SHAPE = /^[0-9a-f]{64}$/; // generateOneTimeToken: 32 random bytes, hex

const NO_STORE = { 'cache-control': 'no-store' };
// The page may be a popup of the app's page: a cross-origin opener policy would cut it off (window.opener null).
const KEEP_OPENER = { 'cross-origin-opener-policy': 'unsafe-none' };
const csp = (formAction: string[]) =>
  `default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; form-action ${["'self'", ...formAction].join(' ')}; frame-ancestors 'none'; base-uri 'none'`;

/**
 * Hosted connect: a backend creates a single-use link for a user (POST /connect-sessions); the
 * page behind it lists the allowed platforms, runs the provider flow with this service's own
 * callback (ConnectFlowService does the authorization, exchange and save) and hands the result to
 * the app's returnUrl, by redirect or, in a popup, by postMessage to the opener.
 */
@Injectable()
export class ConnectSessionsService {
  private readonly logger = new Logger('ConnectSessions');
  // In dist/ this is the build's copy; its source-map comment would point at a file not served.
  private readonly js = readFileSync(new URL('./hosted-page/hosted-connect.js', import.meta.url), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ProviderRegistry,
    private readonly flow: ConnectFlowService,
    private readonly connections: ConnectionsService,
    private readonly sessions: ConnectSessionRepository,
  ) {}

  async create(service: ServicePrincipal, dto: CreateConnectSessionDto): Promise<ConnectSessionDto> {
    const returnUrl = allowedReturnUrl(dto.returnUrl, this.config.connectReturnUrls);
    if (!returnUrl) throw ConnectSessionsException.returnUrlNotAllowed(this.config.connectReturnUrls.length > 0);
    return this.issue(dto.userId, await this.platformsOf(service, dto), dto, returnUrl.href, service.service);
  }

  /**
   * The development settings page's hosted variant (src/demo, on loopback only): a session whose
   * returnUrl is that page, chosen by this service rather than by the caller.
   */
  async createForDevelopment(userId: string, returnUrl: string, connectionId?: string): Promise<ConnectSessionDto> {
    if (!this.config.devConveniences) throw new Error('Development sessions exist only with the development conveniences');
    const service: ServicePrincipal = { kind: 'service', service: 'development-settings-page' };
    const platforms = await this.platformsOf(service, { userId, connectionId, returnUrl });
    return this.issue(userId, platforms, { connectionId }, returnUrl, service.service);
  }

  private async issue(
    userId: string,
    platforms: string[],
    opts: { connectionId?: string; scopes?: string[] },
    returnUrl: string,
    createdBy: string,
  ): Promise<ConnectSessionDto> {
    const { token, tokenHash, expires } = generateOneTimeToken({ expiresInSeconds: CONNECT_SESSION_TTL_SECONDS });
    await this.sessions.insert({
      tokenHash,
      userId,
      platforms,
      connectionId: opts.connectionId ?? null,
      scopes: opts.scopes?.length ? opts.scopes : null,
      returnUrl,
      createdBy,
      expiresAt: expires,
    });
    this.logger.log(`Connect session created by ${createdBy}`, { platforms: platforms.join(',') });
    return { token, url: `${this.config.appUrl}/connect/${token}`, expiresAt: expires.toISOString(), platforms };
  }

  /** The platforms the page offers: asked for (or every enabled one), within the service token's `platforms`. */
  private async platformsOf(service: ServicePrincipal, dto: CreateConnectSessionDto): Promise<string[]> {
    const mayOffer = (p: string) => !service.platforms || service.platforms.includes(p);
    let platforms: string[];
    if (dto.connectionId !== undefined) {
      const target = await this.connections.find(dto.userId, dto.connectionId);
      if (!target) throw ConnectionsException.connectionNotFound();
      if (dto.platforms && !dto.platforms.includes(target.platform))
        throw ConnectSessionsException.invalid(`platforms must include ${target.platform}, the platform of connectionId (or be left out)`);
      platforms = [target.platform];
    } else if (dto.platforms) {
      platforms = [...new Set(dto.platforms)];
    } else {
      platforms = this.registry
        .list()
        .map((p) => p.config.id)
        .filter(mayOffer);
    }
    for (const p of platforms) {
      this.registry.get(p); // 404 unknown_platform
      if (!mayOffer(p)) throw ConnectSessionsException.platformNotAllowed(p);
    }
    if (platforms.length === 0) throw ConnectSessionsException.invalid('no platform to offer: none is enabled that this service token may read');
    if (dto.scopes?.length && platforms.length !== 1)
      throw ConnectSessionsException.invalid('scopes are per platform: name exactly one platform (or a connectionId) with them');
    return platforms;
  }

  // ---- The hosted pages ------------------------------------------------------------------------

  script(): HostedResponse {
    return { status: 200, script: this.js, headers: { 'cache-control': 'no-cache' } };
  }

  /** GET /connect/:token: the platforms to choose from, or why the link cannot be used. */
  async page(token: string): Promise<HostedResponse> {
    const found = await this.usable(token);
    if ('problem' in found) return found.problem;
    const s = found.session;
    const platforms = s.platforms.flatMap((id) => {
      const p = this.registry.find(id);
      return p ? [{ id, displayName: p.config.displayName, origin: new URL(p.config.authorizationUrl).origin }] : [];
    });
    let reconnect: { displayName: string; account: string | null } | undefined;
    if (s.connectionId && platforms[0]) {
      const c = await this.connections.find(s.userId, s.connectionId);
      reconnect = { displayName: platforms[0].displayName, account: c ? (c.label ?? c.username ?? c.accountId) : null };
    }
    const html = choosePage({ action: `/connect/${token}`, platforms, returnOrigin: new URL(s.returnUrl).origin, reconnect });
    // The form's answer redirects to the provider: form-action covers that redirect.
    return { status: 200, html, headers: this.headers([...new Set(platforms.map((p) => p.origin))]) };
  }

  /** POST /connect/:token: spends the link and sends the browser to the provider. */
  async start(token: string, dto: StartConnectDto): Promise<HostedResponse> {
    const found = await this.usable(token);
    if ('problem' in found) return found.problem;
    const s = found.session;
    if (!s.platforms.includes(dto.platform) || !this.registry.has(dto.platform)) return this.problem(400, 'not_offered');
    if (!(await this.sessions.use(s.id, dto.platform, dto.popup === '1'))) return this.problem(410, 'used', s);
    try {
      const { url } = await this.flow.hostedConnectUrl(s.userId, dto.platform, { connectSessionId: s.id, connectionId: s.connectionId, scopes: s.scopes });
      return { status: 303, redirect: url, headers: { ...NO_STORE, ...KEEP_OPENER } };
    } catch (error) {
      const { body } = toErrorBody(error);
      if (body.statusCode >= 500 && body.statusCode !== 503) throw error;
      return this.finish({ ...s, popup: dto.popup === '1' }, { status: 'error', error: body.error, platform: dto.platform });
    }
  }

  /** GET /connect/callback: the provider's answer, exchanged and saved, then the result to the app. */
  async callback(query: ConnectDto): Promise<HostedResponse> {
    let outcome: Awaited<ReturnType<ConnectFlowService['finishHosted']>>;
    try {
      outcome = await this.flow.finishHosted(query);
    } catch (error) {
      if (error instanceof ConnectionsException && error.code === 'invalid_state') return this.problem(400, 'callback_invalid');
      throw error;
    }
    const s = await this.sessions.findById(outcome.connectSessionId);
    if (!s) return this.problem(400, 'callback_invalid');
    const { result, platform } = outcome;
    return this.finish(
      s,
      result ? { status: 'connected', connectionId: result.connectionId, platform } : { status: 'error', error: outcome.error ?? 'connect_failed', platform },
    );
  }

  /**
   * The result to the app: a page that goes on to returnUrl at once (meta refresh, and the script),
   * or in a popup posts it to the opener and closes. Not an HTTP redirect: a provider's consent form
   * that posted to our callback would have its form-action CSP block the hop to the app's origin.
   */
  private finish(s: Pick<ConnectSession, 'returnUrl' | 'popup'>, result: HostedResult): HostedResponse {
    const next = withResult(s.returnUrl, result);
    const displayName = (result.platform && this.registry.find(result.platform)?.config.displayName) ?? 'your account';
    const html = resultPage({ result, displayName, next, returnOrigin: new URL(s.returnUrl).origin, redirectNow: !s.popup });
    return { status: 200, html, headers: this.headers([]) };
  }

  /** The session behind a token while it can still start a flow, or the page saying why not. */
  private async usable(token: string): Promise<{ session: ConnectSession } | { problem: HostedResponse }> {
    // Looked up by hash: the index finds it, and nothing is compared in variable time against the token.
    const s = TOKEN_SHAPE.test(token) ? await this.sessions.findByTokenHash(hashOneTimeToken(token)) : null;
    if (!s) return { problem: this.problem(404, 'unknown') };
    if (s.usedAt) return { problem: this.problem(410, 'used', s) };
    if (s.expiresAt.getTime() <= Date.now()) return { problem: this.problem(410, 'expired', s) };
    return { session: s };
  }

  private problem(status: number, problem: LinkProblem, s?: ConnectSession): HostedResponse {
    const back = s && { url: withResult(s.returnUrl, { status: 'error', error: `session_${problem}` }), origin: new URL(s.returnUrl).origin };
    return {
      status,
      html: problemPage(problem, back && { ...back, result: { status: 'error', error: `session_${problem}` } }),
      headers: this.headers([]),
    };
  }

  private headers(formAction: string[]): Record<string, string> {
    return { ...NO_STORE, ...KEEP_OPENER, 'content-security-policy': csp(formAction) };
  }
}
