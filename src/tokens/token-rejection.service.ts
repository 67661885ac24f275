import { timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Connection } from '../connections/connection.entity.js';
import { ConnectionStoreService, tokenHash } from '../connections/connection-store.service.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import { type RateLimitRule, RateLimitService } from '../rate-limit/rate-limit.service.js';
import { TokenAccessService } from './token-access.service.js';
import { RefreshPolicy } from './refresh-policy.js';
import { TokenRefreshService } from './token-refresh.service.js';
import { TokensException } from './tokens.exception.js';

// Per connection, across instances: a job loop reporting the same token must not hammer the provider.
const REPORT_LIMIT: RateLimitRule = { bucket: 'token-rejected', limit: 5, windowMs: 60_000 };

export type RejectionOutcome = 'refreshed' | 'superseded' | 'valid';

const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * A job reports an access token the provider refused. Only the connection's current token (or the
 * one it just replaced) counts, so nobody can force refreshes by guessing: the current one is
 * refreshed at once (single flight), or, where nothing can refresh it, checked with the provider
 * and, when the provider confirms it is dead or cannot say, the connection needs the user.
 */
@Injectable()
export class TokenRejectionService {
  private readonly logger = new Logger('TokenRejection');

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly connections: ConnectionStoreService,
    private readonly refresher: TokenRefreshService,
    private readonly access: TokenAccessService,
    private readonly limits: RateLimitService,
  ) {}

  async report(c: Connection, accessTokenHash: string, status: number): Promise<{ connection: Connection; outcome: RejectionOutcome }> {
    const provider = this.registry.get(c.platform);
    const hash = accessTokenHash.toLowerCase();
    const current = sameHash(tokenHash(c.accessToken.reveal()), hash);
    if (!current && !(c.previousAccessTokenHash !== null && sameHash(c.previousAccessTokenHash, hash))) throw TokensException.tokenUnknown();
    const wait = await this.limits.consume(REPORT_LIMIT, c.id);
    if (wait > 0) throw TokensException.tooManyReports(wait);
    if (c.status === 'needs_reauth') throw TokensException.reauthRequired(c.platform);
    if (!current) return { connection: c, outcome: 'superseded' }; // already replaced: the job had an old one

    this.logger.log(`A job reported the ${c.platform} token of connection ${c.id} rejected (HTTP ${status})`, { platform: c.platform, connectionId: c.id });
    if (RefreshPolicy.canRefresh(c, provider.config, Date.now())) {
      const after = await this.refresher.refresh(c.id, 'lazy', { force: true });
      if (after.status === 'needs_reauth') throw TokensException.reauthRequired(c.platform);
      if (after.tokenVersion === c.tokenVersion) {
        throw TokensException.providerUnavailable(c.platform, after.nextRetryAt ? after.nextRetryAt.getTime() - Date.now() : 30_000);
      }
      return { connection: after, outcome: 'refreshed' };
    }
    // Nothing renews it without the user (Facebook's 60-day tokens, no refresh token): ask the provider.
    const verdict = await provider.adapter.checkToken(c.accessToken.reveal());
    if (verdict === true) return { connection: c, outcome: 'valid' };
    await this.access.requireReauth(c, 'rejected');
    throw TokensException.reauthRequired(c.platform);
  }

  /** The lookup the route needs: the connection, within the platforms the service may read. */
  async find(connectionId: string): Promise<Connection> {
    const c = await this.connections.findById(connectionId);
    if (!c || !this.registry.has(c.platform)) throw TokensException.connectionNotFound();
    return c;
  }
}
