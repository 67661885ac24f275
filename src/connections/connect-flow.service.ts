import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { Secret } from '../crypto/secret.js';
import { ProviderError } from '../providers/provider.exception.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import { WebhookOutboxService } from '../webhooks/webhook-outbox.service.js';
import type { Provider } from '../providers/provider-registry.service.js';
import type { TokenSet } from '../providers/provider.types.js';
import type { Connection } from './connection.entity.js';
import type { ConnectDto, ConnectResultDto, ConnectUrlDto } from './connections.dto.js';
import { missingScopes as missing } from './connections.service.js';
import { AppException } from '../common/app.exception.js';
import { toErrorBody } from '../common/http-exception.filter.js';
import { type RateLimitRule, RateLimitService } from '../rate-limit/rate-limit.service.js';
import { ConnectionsException } from './connections.exception.js';
import { ConnectionGrantHooks } from './connection-grant-hooks.service.js';
import { ConnectionRepository, type NewGrant } from './connection.repository.js';
import { tokenHash } from './connection-lease.repository.js';
import { type ConsumedState, OAuthStateRepository } from './oauth-state.repository.js';

const MAX_PENDING_STATES = 20;
// What one authorization may ask for (the platform's scopes, earlier ones and the extra ones together).
const MAX_SCOPES = 100;
// Per user across all instances, for connect-url and connect each: generous for people, tight for scripts hammering the provider through us.
const CONNECT_URL_LIMIT: RateLimitRule = { bucket: 'connect-url', limit: 30, windowMs: 60_000 };
const CONNECT_LIMIT: RateLimitRule = { bucket: 'connect', limit: 30, windowMs: 60_000 };

const sha256 = (value: string, encoding: 'hex' | 'base64url') => createHash('sha256').update(value).digest(encoding);
const addSeconds = (s: number | undefined) => (s === undefined ? null : new Date(Date.now() + s * 1000));

/** connect-url and connect: the authorization code flow as RFC 9700 asks of a confidential client. */
@Injectable()
export class ConnectFlowService {
  private readonly logger = new Logger('ConnectFlow');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ProviderRegistry,
    private readonly states: OAuthStateRepository,
    private readonly connections: ConnectionRepository,
    private readonly outbox: WebhookOutboxService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly limits: RateLimitService,
    private readonly hooks: ConnectionGrantHooks,
  ) {}

  private async throttle(rule: RateLimitRule, userId: string): Promise<void> {
    const wait = await this.limits.consume(rule, userId);
    if (wait > 0) throw ConnectionsException.rateLimited(wait);
  }

  /**
   * RFC 9207 mix-up defence. A provider that declares an issuer must name it in every code response;
   * a provider that declares none must not send one (the configuration is wrong, or the response is
   * not from it). An error response without iss is let through: it carries no code to misuse.
   */
  private static checkIssuer(issuer: string | undefined, body: ConnectDto): void {
    if (issuer === undefined) {
      if (body.iss !== undefined) throw ConnectionsException.issuerUnexpected();
    } else if (body.iss === undefined) {
      if (body.error === undefined) throw ConnectionsException.issuerMissing();
    } else if (body.iss !== issuer) {
      throw ConnectionsException.issuerMismatch();
    }
  }

  /**
   * `connectionId` reconnects that connection (the provider must return its account); `scopes` are
   * asked for on top of the platform's, and a reconnect keeps the ones the connection asked for before.
   */
  async connectUrl(userId: string, platform: string, opts: { connectionId?: string; scopes?: string } = {}): Promise<ConnectUrlDto> {
    return this.authorize(userId, platform, { connectionId: opts.connectionId, extra: opts.scopes ? opts.scopes.split(',') : [] });
  }

  /**
   * The hosted connect page's authorization (src/connect-sessions): the same as connectUrl, with the
   * service's own callback as redirect URI, and the state remembering the connect session.
   */
  async hostedConnectUrl(
    userId: string,
    platform: string,
    opts: { connectSessionId: string; connectionId: string | null; scopes: string[] | null },
  ): Promise<ConnectUrlDto> {
    return this.authorize(userId, platform, {
      connectionId: opts.connectionId ?? undefined,
      extra: opts.scopes ?? [],
      connectSessionId: opts.connectSessionId,
      redirectUri: this.config.connectCallbackUri,
    });
  }

  private async authorize(
    userId: string,
    platform: string,
    opts: { connectionId?: string; extra: string[]; connectSessionId?: string; redirectUri?: string },
  ): Promise<ConnectUrlDto> {
    const provider = this.registry.get(platform);
    await this.throttle(CONNECT_URL_LIMIT, userId);
    let earlier: string[] = [];
    if (opts.connectionId !== undefined) {
      const [target] = await this.connections.findForUser(userId, platform, { connectionId: opts.connectionId });
      if (!target) throw ConnectionsException.connectionNotFound();
      earlier = target.requestedScopes;
    }
    const { extra } = opts;
    const scopes = [...new Set([...provider.config.scopes, ...earlier, ...extra])];
    if (scopes.length > MAX_SCOPES) throw ConnectionsException.invalidScopes(`would ask for ${scopes.length} scopes; at most ${MAX_SCOPES}`);
    if ((await this.states.pruneAndCountPending(userId)) >= MAX_PENDING_STATES) throw ConnectionsException.tooManyPending(MAX_PENDING_STATES);
    const state = randomBytes(32).toString('base64url');
    const verifier = provider.config.pkce ? randomBytes(48).toString('base64url') : undefined;
    const custom = extra.length > 0 || earlier.length > 0;
    const redirectUri = opts.redirectUri ?? provider.redirectUri;
    await this.states.insert({
      stateHash: sha256(state, 'hex'),
      userId,
      platform,
      redirectUri,
      codeVerifier: verifier ? Secret.fromPlaintext(verifier) : null,
      expiresAt: new Date(Date.now() + this.config.connectStateTtlMs),
      connectionId: opts.connectionId ?? null,
      scopes: custom ? scopes : null,
      connectSessionId: opts.connectSessionId ?? null,
    });
    const url = provider.adapter.authorizationUrl({
      state,
      redirectUri,
      codeChallenge: verifier && sha256(verifier, 'base64url'),
      scopes: custom ? scopes : undefined,
    });
    return { url };
  }

  async connect(userId: string, platform: string, body: ConnectDto): Promise<ConnectResultDto> {
    const provider = this.registry.get(platform);
    await this.throttle(CONNECT_LIMIT, userId);
    // A malformed request must not burn the user's state.
    if (body.error === undefined && !body.code) throw ConnectionsException.missingCode();
    const pending = await this.states.consume(sha256(body.state, 'hex'), userId, platform);
    if (!pending) throw ConnectionsException.invalidState();
    return this.complete(provider, pending, body);
  }

  /**
   * GET /connect/callback (src/connect-sessions): the state alone names the user, the platform and
   * the connect session. An unknown state throws `invalid_state` (there is no session to return to);
   * every other outcome is answered with the session, as the connection or the error code. No
   * throttle: each state was throttled when it was issued, and is spent here.
   */
  async finishHosted(body: ConnectDto): Promise<{ connectSessionId: string; platform: string; result?: ConnectResultDto; error?: string }> {
    const pending = await this.states.consumeHosted(sha256(body.state, 'hex'));
    if (!pending?.connectSessionId) throw ConnectionsException.invalidState();
    const done = { connectSessionId: pending.connectSessionId, platform: pending.platform };
    try {
      if (body.error === undefined && !body.code) throw ConnectionsException.missingCode();
      return { ...done, result: await this.complete(this.registry.get(pending.platform), pending, body) };
    } catch (error) {
      const { body: answer } = toErrorBody(error);
      if (answer.statusCode >= 500 && answer.statusCode !== 503) throw error;
      return { ...done, error: answer.error };
    }
  }

  /** After the state is consumed: its expiry, the issuer, the exchange and the save. */
  private async complete(provider: Provider, pending: ConsumedState, body: ConnectDto): Promise<ConnectResultDto> {
    const { userId, platform } = pending;
    if (pending.expiresAt.getTime() < Date.now()) throw ConnectionsException.stateExpired();
    // Checked before anything else in the response. The state is already spent, so a refused
    // response ends the attempt and the user starts again (the existing connection is untouched).
    ConnectFlowService.checkIssuer(provider.config.issuer, body);
    if (body.error !== undefined) throw ConnectionsException.accessDenied(body.error);

    const { adapter } = provider;
    let saved: { connection: Connection; reconnected: boolean };
    try {
      const tokens = await adapter.exchangeCode({
        code: adapter.normalizeCode(body.code!),
        redirectUri: pending.redirectUri,
        codeVerifier: pending.codeVerifier?.reveal(),
      });
      const profile = await adapter.fetchProfile(tokens);
      const requested = pending.scopes ?? provider.config.scopes;
      const grant: NewGrant = {
        userId,
        platform,
        accountId: profile.accountId,
        username: profile.username,
        ...(await this.grantedScopes(provider, tokens, requested)),
        requestedScopes: requested,
        accessToken: Secret.fromPlaintext(tokens.accessToken),
        refreshToken: tokens.refreshToken ? Secret.fromPlaintext(tokens.refreshToken) : null,
        accessTokenExpiresAt: addSeconds(tokens.expiresIn),
        refreshTokenExpiresAt: addSeconds(tokens.refreshTokenExpiresIn),
        accessTokenIssuedAt: new Date(),
      };
      const required = provider.config.accountRequired;
      if (grant.accountId === null && required) throw ConnectionsException.noAccount(required.error, required.message);
      saved = await this.save(grant, pending.connectionId);
    } catch (error) {
      throw this.toHttp(error, platform);
    }
    const { connection, reconnected } = saved;
    // The connection's Pages and channels are listed before the answer, so the settings page shows them.
    await this.hooks.granted({ connectionId: connection.id, userId, platform, how: reconnected ? 'reconnected' : 'connected' });
    const missingScopes = missing(connection.scopes, provider.config.requiredScopes);
    this.logger.log(`User ${reconnected ? 'reconnected' : 'connected'} ${platform}`, { platform, connectionId: connection.id });
    return {
      connected: true,
      connectionId: connection.id,
      platform,
      accountId: connection.accountId,
      username: connection.username,
      reconnected,
      missingScopes,
    };
  }

  /** From the token response, else the provider's introspection, else the requested ones (assumed). */
  private async grantedScopes(provider: Provider, tokens: TokenSet, requested: string[]): Promise<Pick<NewGrant, 'scopes' | 'scopesSource'>> {
    if (tokens.scopes) return { scopes: tokens.scopes, scopesSource: 'token' };
    try {
      const introspected = await provider.adapter.introspectScopes(tokens);
      if (introspected) return { scopes: introspected, scopesSource: 'introspection' };
    } catch (error) {
      // The connect still works; the scopes shown are then the requested ones, marked assumed.
      this.logger.warn(`Reading the granted scopes from ${provider.config.id} failed: ${(error as Error).message}`, { platform: provider.config.id });
    }
    return { scopes: requested, scopesSource: 'assumed' };
  }

  /**
   * One transaction, after every provider call: the same provider account of this user is updated
   * in place; a reconnect of a named connection must return its account; a new account counts
   * against the limit. The advisory lock makes concurrent connects of one (user, platform) take turns.
   */
  private async save(grant: NewGrant, targetId: string | null): Promise<{ connection: Connection; reconnected: boolean }> {
    const { userId, platform } = grant;
    return this.dataSource.transaction(async (m) => {
      await this.connections.lockUserPlatform(m, userId, platform);
      const existing = await this.connections.findByAccount(m, userId, platform, grant.accountId);
      if (targetId !== null) {
        const [target] = await this.connections.findForUser(userId, platform, { connectionId: targetId }, 1, m);
        if (!target) throw ConnectionsException.connectionNotFound();
        if (existing?.id !== target.id) throw ConnectionsException.accountMismatch();
      }
      if (existing) {
        const connection = await this.connections.reconnectGrant(m, existing.id, grant, tokenHash(existing.accessToken.reveal()));
        await this.outbox.enqueue(m, 'connection.reconnected', this.event(connection));
        return { connection, reconnected: true };
      }
      const limit = this.config.maxConnectionsPerPlatform;
      if ((await this.connections.countForUser(m, userId, platform)) >= limit) throw ConnectionsException.tooManyConnections(platform, limit);
      const connection = await this.connections.insertGrant(m, grant);
      await this.outbox.enqueue(m, 'connection.created', this.event(connection));
      return { connection, reconnected: false };
    });
  }

  private event(c: Connection) {
    const required = this.registry.find(c.platform)?.config.requiredScopes ?? [];
    return {
      connectionId: c.id,
      userId: c.userId,
      platform: c.platform,
      accountId: c.accountId,
      status: 'active',
      grantedScopes: c.scopes,
      missingScopes: missing(c.scopes, required),
    };
  }

  /** After the state is spent every failure answers a code the client can act on, never a 500. */
  private toHttp(error: unknown, platform: string): unknown {
    if (error instanceof AppException) return error; // decided here: account_mismatch, no_channel...
    if (!(error instanceof ProviderError)) {
      if (toErrorBody(error).body.statusCode === 503) return error; // database unavailable or busy: retry
      this.logger.error(`Connect to ${platform} failed inside this service: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, {
        platform,
      });
      return ConnectionsException.connectFailed();
    }
    this.logger.warn(`Connect to ${platform} failed: ${error.message}`, {
      platform,
      failureClass: error.failureClass,
      providerError: error.details.providerCode,
    });
    switch (error.failureClass) {
      case 'invalid_client':
        this.logger.error(`Provider ${platform} rejected our client credentials: check ${platform} clientId/clientSecret`, { platform });
        return ConnectionsException.providerMisconfigured();
      case 'invalid_grant':
      case 'provider_error':
        return ConnectionsException.providerRejected(error.details.providerCode);
      case 'rate_limited':
      case 'transient':
      case 'malformed':
        return ConnectionsException.providerUnavailable(error.details.retryAfterMs);
    }
  }
}
