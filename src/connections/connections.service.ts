import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ProviderError } from '../providers/provider.exception.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import { WebhookOutboxService } from '../webhooks/webhook-outbox.service.js';
import type { Connection } from './connection.entity.js';
import { ConnectionRepository } from './connection.repository.js';
import type { ConnectionStatusDto, DisconnectResultDto } from './connections.dto.js';

export function toStatus(c: Connection): ConnectionStatusDto {
  return {
    connected: true,
    platform: c.platform,
    accountId: c.accountId,
    username: c.username,
    status: c.status,
    scopes: c.scopes,
    connectedAt: c.connectedAt.toISOString(),
    accessTokenExpiresAt: c.accessTokenExpiresAt?.toISOString() ?? null,
  };
}

/** What the settings page shows, and disconnecting. Never returns a token. */
@Injectable()
export class ConnectionsService {
  private readonly logger = new Logger('Connections');

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly connections: ConnectionRepository,
    private readonly outbox: WebhookOutboxService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async status(userId: string, platform: string): Promise<ConnectionStatusDto> {
    this.registry.get(platform);
    const connection = await this.connections.findForUser(userId, platform);
    return connection ? toStatus(connection) : { connected: false, platform };
  }

  async list(userId: string): Promise<ConnectionStatusDto[]> {
    return (await this.connections.listForUser(userId)).map(toStatus);
  }

  /** Revokes at the provider when it can (best effort), then deletes. Idempotent. */
  async disconnect(userId: string, platform: string): Promise<DisconnectResultDto> {
    const provider = this.registry.get(platform);
    const connection = await this.connections.findForUser(userId, platform);
    if (!connection) return { connected: false };
    try {
      await provider.adapter.revoke({ accessToken: connection.accessToken.reveal(), refreshToken: connection.refreshToken?.reveal() });
    } catch (error) {
      // A failed revocation must never keep a user connected against their wish.
      const detail =
        error instanceof ProviderError
          ? { failureClass: error.failureClass, providerError: error.details.providerCode }
          : { failureClass: (error as Error).name };
      this.logger.warn(`Revocation at ${platform} failed; deleting the local connection anyway: ${(error as Error).message}`, {
        platform,
        connectionId: connection.id,
        ...detail,
      });
    }
    await this.dataSource.transaction(async (m) => {
      if (await this.connections.deleteForUser(userId, platform, m)) {
        await this.outbox.enqueue(m, 'connection.deleted', { connectionId: connection.id, userId, platform, accountId: connection.accountId });
      }
    });
    return { connected: false };
  }
}
