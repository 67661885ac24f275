import { Injectable } from '@nestjs/common';
import { ConnectionsService } from '../connections/connections.service.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import { type RateLimitRule, RateLimitService } from '../rate-limit/rate-limit.service.js';
import { ConnectionStoreService } from '../connections/connection-store.service.js';
import type { AssetSync } from './asset-sync.entity.js';
import type { ConnectionAsset } from './connection-asset.entity.js';
import { ConnectionAssetRepository } from './connection-asset.repository.js';
import { AssetSyncRepository } from './asset-sync.repository.js';
import { AssetSyncService } from './asset-sync.service.js';
import type { AssetDto, AssetListDto, AssetSyncResultDto } from './assets.dto.js';
import { AssetsException } from './assets.exception.js';

/** A user's listing runs at most once per 10 s per connection, successful or not: each one calls the provider. */
const USER_SYNC_LIMIT: RateLimitRule = { bucket: 'asset-sync', limit: 1, windowMs: 10_000 };

/** The settings page's, the admin's and internal-token's view of assets. */
@Injectable()
export class AssetsService {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly store: ConnectionStoreService,
    private readonly assets: ConnectionAssetRepository,
    private readonly syncs: AssetSyncRepository,
    private readonly sync: AssetSyncService,
    private readonly limits: RateLimitService,
    private readonly registry: ProviderRegistry,
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
    return AssetsService.listView(assets, state);
  }

  private static listView(assets: ConnectionAsset[], state: AssetSync | null): AssetListDto {
    return { assets: assets.map((a) => AssetsService.view(a)), syncedAt: state?.syncedAt?.toISOString() ?? null, lastError: state?.lastError ?? null };
  }

  async list(userId: string, connectionId: string): Promise<AssetListDto> {
    if (!(await this.connections.find(userId, connectionId))) throw AssetsException.connectionNotFound();
    return this.listForConnection(connectionId);
  }

  /** Lists them at the provider now (at most once per 10 s per connection). */
  async syncNow(userId: string, connectionId: string): Promise<AssetSyncResultDto> {
    const c = await this.store.findById(connectionId);
    if (c?.userId !== userId) throw AssetsException.connectionNotFound();
    const wait = await this.limits.consume(USER_SYNC_LIMIT, connectionId);
    if (wait > 0) throw AssetsException.syncTooSoon(wait);
    const { assets, added, removed } = await this.sync.sync(c);
    return { ...AssetsService.listView(assets, await this.syncs.find(connectionId)), added, removed };
  }

  /**
   * The asset a job names, checked in this order so nothing is said about another user's asset: it
   * exists and is of this user's connection on this platform (else 404), it is still listed (else
   * 409 asset_removed), and a kind that carries its own token has one (else 409 asset_token_missing).
   */
  async forJob(userId: string, platform: string, assetId: string, connectionId?: string): Promise<{ asset: ConnectionAsset; ownToken?: string }> {
    const asset = await this.assets.findById(assetId);
    if (!asset || (connectionId !== undefined && connectionId !== asset.connectionId)) throw AssetsException.assetNotFound();
    const owner = await this.connections.find(userId, asset.connectionId);
    if (owner?.platform !== platform) throw AssetsException.assetNotFound();
    if (asset.status === 'removed') throw AssetsException.assetRemoved();
    const spec = this.registry.find(platform)?.config.assetKinds.find((k) => k.kind === asset.kind);
    if (spec?.ownToken && !asset.accessToken) throw AssetsException.assetTokenMissing();
    return { asset, ownToken: asset.accessToken?.reveal() };
  }
}
