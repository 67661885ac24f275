import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { Secret } from '../crypto/secret.js';
import { ProviderError } from '../providers/provider.exception.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import { WebhookOutboxService } from '../webhooks/webhook-outbox.service.js';
import type { ConnectDto, ConnectResultDto, ConnectUrlDto } from './connections.dto.js';
import { toErrorBody } from '../common/http-exception.filter.js';
import { type RateLimitRule, RateLimitService } from '../rate-limit/rate-limit.service.js';
import { ConnectionsException } from './connections.exception.js';
import { ConnectionRepository } from './connection.repository.js';
import { OAuthStateRepository } from './oauth-state.repository.js';

const MAX_PENDING_STATES = 20;
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

  async connectUrl(userId: string, platform: string): Promise<ConnectUrlDto> {
    const provider = this.registry.get(platform);
    await this.throttle(CONNECT_URL_LIMIT, userId);
    if ((await this.states.pruneAndCountPending(userId)) >= MAX_PENDING_STATES) throw ConnectionsException.tooManyPending(MAX_PENDING_STATES);
    const state = randomBytes(32).toString('base64url');
    const verifier = provider.config.pkce ? randomBytes(48).toString('base64url') : undefined;
    await this.states.insert({
      stateHash: sha256(state, 'hex'),
      userId,
      platform,
      redirectUri: provider.redirectUri,
      codeVerifier: verifier ? Secret.fromPlaintext(verifier) : null,
      expiresAt: new Date(Date.now() + this.config.connectStateTtlMs),
    });
    const url = provider.adapter.authorizationUrl({ state, redirectUri: provider.redirectUri, codeChallenge: verifier && sha256(verifier, 'base64url') });
    return { url };
  }

  async connect(userId: string, platform: string, body: ConnectDto): Promise<ConnectResultDto> {
    const provider = this.registry.get(platform);
    await this.throttle(CONNECT_LIMIT, userId);
    // A malformed request must not burn the user's state.
    if (body.error === undefined && !body.code) throw ConnectionsException.missingCode();
    const pending = await this.states.consume(sha256(body.state, 'hex'), userId, platform);
    if (!pending) throw ConnectionsException.invalidState();
    if (pending.expiresAt.getTime() < Date.now()) throw ConnectionsException.stateExpired();
    // Checked before anything else in the response. The state is already spent, so a refused
    // response ends the attempt and the user starts again (the existing connection is untouched).
    ConnectFlowService.checkIssuer(provider.config.issuer, body);
    if (body.error !== undefined) throw ConnectionsException.accessDenied(body.error);

    const { adapter } = provider;
    try {
      const tokens = await adapter.exchangeCode({
        code: adapter.normalizeCode(body.code!),
        redirectUri: pending.redirectUri,
        codeVerifier: pending.codeVerifier?.reveal(),
      });
      const profile = await adapter.fetchProfile(tokens);
      const grant = {
        userId,
        platform,
        accountId: profile.accountId,
        username: profile.username,
        scopes: tokens.scopes ?? provider.config.scopes,
        accessToken: Secret.fromPlaintext(tokens.accessToken),
        refreshToken: tokens.refreshToken ? Secret.fromPlaintext(tokens.refreshToken) : null,
        accessTokenExpiresAt: addSeconds(tokens.expiresIn),
        refreshTokenExpiresAt: addSeconds(tokens.refreshTokenExpiresIn),
        accessTokenIssuedAt: new Date(),
      };
      const connection = await this.dataSource.transaction(async (m) => {
        const saved = await this.connections.upsertGrant(grant, m);
        await this.outbox.enqueue(m, 'connection.created', { connectionId: saved.id, userId, platform, accountId: saved.accountId, status: 'active' });
        return saved;
      });
      this.logger.log(`User connected ${platform}`, { platform, connectionId: connection.id });
      return { connected: true, platform, accountId: connection.accountId, username: connection.username };
    } catch (error) {
      throw this.toHttp(error, platform);
    }
  }

  /** After the state is spent every failure answers a code the client can act on, never a 500. */
  private toHttp(error: unknown, platform: string): unknown {
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
