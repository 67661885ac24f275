import { Injectable } from '@nestjs/common';
import { ConnectionsService } from '../connections/connections.service.js';
import { ConnectionStoreService } from '../connections/connection-store.service.js';
import type { ConnectionAsset } from './connection-asset.entity.js';
import { ConnectionAssetRepository } from './connection-asset.repository.js';
import { AssetSyncRepository } from './asset-sync.repository.js';
import { AssetSyncService } from './asset-sync.service.js';
import type { AssetDto, AssetListDto, AssetSyncResultDto } from './assets.dto.js';
import { AssetsException } from './assets.exception.js';

/** A user's sync runs at most this often per connection: each one calls the provider. */
export const USER_SYNC_MIN_INTERVAL_MS = 10_000;

/** The settings page's, the admin's and internal-token's view of assets. */
@Injectable()
export class AssetsService {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly store: ConnectionStoreService,
    private readonly assets: ConnectionAssetRepository,
    private readonly syncs: AssetSyncRepository,
    private readonly sync: AssetSyncService,
  ) {}

  static view(a: ConnectionAsset): AssetDto {
    return {
      assetId: a.id,
      connectionId: a.connectionId,
      kind: a.kind,
      externalId: a.externalId,
      name: a.name,
      pictureUrl: a.pictureUrl,
      capabilities: a.capabilities,
      status: a.status,
      hasOwnToken: a.accessToken !== null,
      discoveredAt: a.discoveredAt.toISOString(),
      seenAt: a.seenAt.toISOString(),
      removedAt: a.removedAt?.toISOString() ?? null,
    };
  }

  /** Every asset of a connection, with its sync state (the admin detail; the user route checks ownership first). */
  async listForConnection(connectionId: string): Promise<AssetListDto> {
    const [assets, state] = await Promise.all([this.assets.listForConnection(connectionId), this.syncs.find(connectionId)]);
    return { assets: assets.map((a) => AssetsService.view(a)), syncedAt: state?.syncedAt?.toISOString() ?? null, lastError: state?.lastError ?? null };
  }

  async list(userId: string, connectionId: string): Promise<AssetListDto> {
    if (!(await this.connections.find(userId, connectionId))) throw AssetsException.connectionNotFound();
    return this.listForConnection(connectionId);
  }

  /** Lists them at the provider now (at most every USER_SYNC_MIN_INTERVAL per connection). */
  async syncNow(userId: string, connectionId: string): Promise<AssetSyncResultDto> {
    if (!(await this.connections.find(userId, connectionId))) throw AssetsException.connectionNotFound();
    const state = await this.syncs.find(connectionId);
    const since = state?.syncedAt ? Date.now() - state.syncedAt.getTime() : Infinity;
    if (since < USER_SYNC_MIN_INTERVAL_MS) throw AssetsException.syncTooSoon(USER_SYNC_MIN_INTERVAL_MS - since);
    const c = await this.store.findById(connectionId);
    if (!c) throw AssetsException.connectionNotFound();
    const { added, removed } = await this.sync.sync(c);
    return { ...(await this.listForConnection(connectionId)), added, removed };
  }

  /** The asset a job names (internal-token checks it is of the connection it serves). */
  find(assetId: string): Promise<ConnectionAsset | null> {
    return this.assets.findById(assetId);
  }
}
