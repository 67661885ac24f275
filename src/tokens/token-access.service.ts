import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import type { Connection } from '../connections/connection.entity.js';
import { ConnectionStoreService } from '../connections/connection-store.service.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import { WebhookOutboxService } from '../webhooks/webhook-outbox.service.js';
import { DemandRefreshService } from './demand-refresh.service.js';
import type { RefreshTrigger } from './refresh-history.repository.js';
import { RefreshPolicy } from './refresh-policy.js';
import { TokensException } from './tokens.exception.js';

/** Which connection, and what it must be able to do. */
export type TokenRequest = { connectionId?: string; accountId?: string; requiredScopes?: string[] };

/** The one way to obtain a provider access token: valid, or refreshed first. */
@Injectable()
export class TokenAccessService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: ProviderRegistry,
    private readonly connections: ConnectionStoreService,
    private readonly demand: DemandRefreshService,
    private readonly outbox: WebhookOutboxService,
  ) {}

  /**
   * The one connection the request names (or the user's only one of the platform), checked for the
   * required scopes before any provider call, then valid or refreshed first.
   */
  async getValidToken(userId: string, platform: string, trigger: RefreshTrigger = 'lazy', want: TokenRequest = {}): Promise<Connection> {
    const provider = this.registry.get(platform);
    const { connectionId, accountId } = want;
    const named = connectionId !== undefined || accountId !== undefined;
    const found = await this.connections.findForUser(userId, platform, { connectionId, accountId }, named ? 1 : this.config.maxConnectionsPerPlatform + 1);
    let c = found[0];
    if (!c) throw TokensException.notConnected(platform);
    if (found.length > 1) {
      throw TokensException.connectionAmbiguous(
        platform,
        found.map((f) => ({ connectionId: f.id, accountId: f.accountId, label: f.label, username: f.username })),
      );
    }
    if (want.requiredScopes?.length) {
      const have = new Set(c.scopes);
      const lacking = [...new Set(want.requiredScopes)].filter((s) => !have.has(s));
      if (lacking.length) throw TokensException.insufficientScope(platform, c.id, lacking);
    }
    if (c.status === 'needs_reauth') throw TokensException.reauthRequired(platform);
    // Refreshed first when due and allowed (backoff, retry floor, circuit breaker: src/tokens/demand-refresh.service.ts).
    const { connection, retryInMs, inProgress } = await this.demand.refreshIfDue(c, provider.config, trigger);
    c = connection;
    if (c.status === 'needs_reauth') throw TokensException.reauthRequired(platform);
    if (RefreshPolicy.isExpired(c)) {
      if (!RefreshPolicy.renewable(c, provider.config)) {
        await this.requireReauth(c, 'expired');
        throw TokensException.reauthRequired(platform);
      }
      if (inProgress) throw TokensException.refreshInProgress(platform, retryInMs ?? 1_000);
      throw TokensException.providerUnavailable(platform, retryInMs ?? 1_000);
    }
    return c;
  }

  /**
   * The user must reconnect, found without a refresh failure: an expired token that nothing can renew
   * (`expired`), or a token the provider confirmed dead after a job reported it (`rejected`).
   */
  async requireReauth(c: Connection, failureClass: 'expired' | 'rejected'): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      if (await this.connections.markNeedsReauth(m, c, { failureClass })) {
        await this.outbox.enqueue(m, 'connection.reauth_required', {
          connectionId: c.id,
          userId: c.userId,
          platform: c.platform,
          accountId: c.accountId,
          status: 'needs_reauth',
          failureClass,
        });
      }
    });
  }
}
