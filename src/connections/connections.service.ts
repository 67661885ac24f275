import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ProviderError } from '../providers/provider.exception.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import { WebhookOutboxService } from '../webhooks/webhook-outbox.service.js';
import type { Connection } from './connection.entity.js';
import { ConnectionRepository } from './connection.repository.js';
import type { ConnectionDto, ConnectionStatusDto, DisconnectResultDto } from './connections.dto.js';
import { ConnectionsException } from './connections.exception.js';

/** The required scopes a grant lacks. */
export function missingScopes(granted: readonly string[], required: readonly string[]): string[] {
  const have = new Set(granted);
  return required.filter((s) => !have.has(s));
}

/** What the settings page shows, labelling and disconnecting. Never returns a token. */
@Injectable()
export class ConnectionsService {
  private readonly logger = new Logger('Connections');

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly connections: ConnectionRepository,
    private readonly outbox: WebhookOutboxService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  private view(c: Connection): ConnectionDto {
    const required = this.registry.find(c.platform)?.config.requiredScopes ?? [];
    return {
      connectionId: c.id,
      platform: c.platform,
      accountId: c.accountId,
      username: c.username,
      label: c.label,
      status: c.status,
      grantedScopes: c.scopes,
      scopesSource: c.scopesSource,
      missingScopes: missingScopes(c.scopes, required),
      connectedAt: c.connectedAt.toISOString(),
      accessTokenExpiresAt: c.accessTokenExpiresAt?.toISOString() ?? null,
      connected: true,
      scopes: c.scopes,
    };
  }

  /** Today's one-connection fields describe the most recently connected one; `connections` has them all. */
  async status(userId: string, platform: string): Promise<ConnectionStatusDto> {
    this.registry.get(platform);
    const all = (await this.connections.listForUser(userId)).filter((c) => c.platform === platform).map((c) => this.view(c));
    const [latest] = all;
    if (!latest) return { connected: false, platform, connections: [] };
    const { connectionId, accountId, username, label, status, scopes, grantedScopes, missingScopes: missing, connectedAt, accessTokenExpiresAt } = latest;
    return {
      connected: true,
      platform,
      accountId,
      username,
      status,
      scopes,
      connectedAt,
      accessTokenExpiresAt,
      connectionId,
      label,
      grantedScopes,
      missingScopes: missing,
      connections: all,
    };
  }

  async list(userId: string): Promise<ConnectionDto[]> {
    return (await this.connections.listForUser(userId)).map((c) => this.view(c));
  }

  /** One of the user's connections, or null (another user's id finds nothing). */
  async find(userId: string, connectionId: string): Promise<ConnectionDto | null> {
    const c = await this.connections.findOwned(userId, connectionId);
    return c ? this.view(c) : null;
  }

  async setLabel(userId: string, connectionId: string, label: string | null): Promise<ConnectionDto> {
    if (!(await this.connections.setLabel(userId, connectionId, label))) throw ConnectionsException.connectionNotFound();
    const c = await this.connections.findOwned(userId, connectionId);
    if (!c) throw ConnectionsException.connectionNotFound();
    return this.view(c);
  }

  /** One connection. Another user's id, or one already gone, answers 404 (the end state is the same). */
  async disconnectOne(userId: string, connectionId: string): Promise<DisconnectResultDto> {
    const c = await this.connections.findOwned(userId, connectionId);
    if (!c) throw ConnectionsException.connectionNotFound();
    return { connected: false, disconnected: await this.remove(c) };
  }

  /** Every connection of the user on this platform. Idempotent. */
  async disconnectPlatform(userId: string, platform: string): Promise<DisconnectResultDto> {
    this.registry.get(platform);
    const all = (await this.connections.listForUser(userId)).filter((c) => c.platform === platform);
    let disconnected = 0;
    for (const c of all) disconnected += await this.remove(c);
    return { connected: false, disconnected };
  }

  /** Revokes at the provider when it can (best effort, outside any transaction), then deletes. */
  private async remove(c: Connection): Promise<number> {
    const provider = this.registry.find(c.platform);
    try {
      await provider?.adapter.revoke({ accessToken: c.accessToken.reveal(), refreshToken: c.refreshToken?.reveal() });
    } catch (error) {
      // A failed revocation must never keep a user connected against their wish.
      const detail =
        error instanceof ProviderError
          ? { failureClass: error.failureClass, providerError: error.details.providerCode }
          : { failureClass: (error as Error).name };
      this.logger.warn(`Revocation at ${c.platform} failed; deleting the local connection anyway: ${(error as Error).message}`, {
        platform: c.platform,
        connectionId: c.id,
        ...detail,
      });
    }
    return this.dataSource.transaction(async (m) => {
      if (!(await this.connections.deleteOwned(m, c.userId, c.id))) return 0;
      await this.outbox.enqueue(m, 'connection.deleted', { connectionId: c.id, userId: c.userId, platform: c.platform, accountId: c.accountId });
      return 1;
    });
  }
}
