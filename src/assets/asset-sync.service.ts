import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppException } from '../common/app.exception.js';
import { backoffMs } from '../common/backoff.js';
import { type Repeating, runEvery } from '../common/every.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import type { Connection } from '../connections/connection.entity.js';
import { ConnectionGrantHooks, type GrantEvent } from '../connections/connection-grant-hooks.service.js';
import { ConnectionStoreService } from '../connections/connection-store.service.js';
import { ProviderError } from '../providers/provider.exception.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import type { AssetKind, AssetListing } from '../providers/provider.types.js';
import { TokenAccessService } from '../tokens/token-access.service.js';
import { WebhookOutboxService } from '../webhooks/webhook-outbox.service.js';
import type { ConnectionAsset } from './connection-asset.entity.js';
import { ConnectionAssetRepository } from './connection-asset.repository.js';
import { AssetSyncRepository } from './asset-sync.repository.js';
import { AssetsException } from './assets.exception.js';

/**
 * The background listing: every minute each instance claims due connections in batches for up to
 * `budgetMs`, `concurrency` at a time (about 25 a second per instance at 300 ms a listing).
 */
export const ASSET_SYNC = { tickMs: 60_000, budgetMs: 45_000, batch: 100, concurrency: 8, leaseMs: 10 * 60_000, retryBaseMs: 5 * 60_000 } as const;

/** A connect waits this long for its listing; a slower one goes on in the background. */
export const CONNECT_LISTING_WAIT_MS = 5_000;

export type SyncOutcome = { assets: ConnectionAsset[]; added: number; removed: number };

const key = (kind: string, externalId: string) => `${kind}\u0000${externalId}`;

/**
 * Lists a connection's Pages, organisations and channels at the provider (no transaction open),
 * then applies the difference in one transaction: new ones added (`asset.added`), missing ones
 * removed (`asset.removed`), tokens re-derived. Runs after every connect and reconnect, when the
 * user asks, and in the background every ASSET_SYNC_INTERVAL.
 */
@Injectable()
export class AssetSyncService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AssetSync');
  private background?: Repeating;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: ProviderRegistry,
    private readonly connections: ConnectionStoreService,
    private readonly tokens: TokenAccessService,
    private readonly assets: ConnectionAssetRepository,
    private readonly syncs: AssetSyncRepository,
    private readonly outbox: WebhookOutboxService,
    private readonly hooks: ConnectionGrantHooks,
  ) {}

  onModuleInit(): void {
    this.hooks.register((event) => this.afterGrant(event));
  }

  /** A connect or reconnect lists at once (the user sees them); a refresh re-derives asset tokens soon, in the background. */
  private async afterGrant(event: GrantEvent): Promise<void> {
    const kinds = this.registry.find(event.platform)?.config.assetKinds ?? [];
    if (kinds.length === 0) return;
    if (event.how === 'refreshed') {
      if (kinds.some((k) => k.ownToken)) await this.syncs.scheduleBy(event.connectionId, new Date());
      return;
    }
    const c = await this.connections.findById(event.connectionId);
    if (!c) return;
    const listing = this.sync(c).catch((error: unknown) =>
      this.logger.warn(`Listing the assets of a new ${event.platform} connection failed: ${(error as Error).message}`),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([listing, new Promise((resolve) => (timer = setTimeout(resolve, CONNECT_LISTING_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** The kinds this connection's grant can reach: the provider's, whose scopes were all granted. */
  private kindsFor(c: Connection): Set<AssetKind> {
    const granted = new Set(c.scopes);
    const kinds = this.registry.find(c.platform)?.config.assetKinds ?? [];
    return new Set(kinds.filter((k) => k.scopes.every((s) => granted.has(s))).map((k) => k.kind));
  }

  async sync(c: Connection): Promise<SyncOutcome> {
    const provider = this.registry.find(c.platform);
    if (!provider) {
      // A platform switched off: its assets are kept as they are and looked at again next interval.
      await this.syncs.recordFailure(c.id, 'platform_disabled', () => new Date(Date.now() + this.config.assetSyncIntervalMs));
      return { assets: await this.assets.listForConnection(c.id), added: 0, removed: 0 };
    }
    const kinds = this.kindsFor(c);
    const startedAt = new Date();
    let listing: AssetListing = { assets: [], complete: true };
    if (kinds.size > 0) {
      try {
        const current = await this.tokens.getValidToken(c.userId, c.platform, 'lazy', { connectionId: c.id });
        listing = await provider.adapter.discoverAssets(current.accessToken.reveal(), kinds);
      } catch (error) {
        throw await this.failed(c, error);
      }
    }
    return this.apply(c, listing, kinds.size > 0, startedAt);
  }

  /**
   * One transaction, under the connection's lock. A listing started before another one was applied
   * is dropped (a background listing from before a reconnect must not bring back the old Page
   * tokens); an incomplete one adds and updates, but removes nothing.
   */
  private async apply(c: Connection, listing: AssetListing, reachable: boolean, startedAt: Date): Promise<SyncOutcome> {
    const listed = new Map(listing.assets.map((d) => [key(d.kind, d.externalId), d]));
    let added = 0;
    let removed = 0;
    await this.dataSource.transaction(async (m) => {
      await this.assets.lockConnection(m, c.id);
      const last = await this.syncs.syncedAt(m, c.id);
      if (last && last >= startedAt) return;
      const known = await this.assets.listForConnection(c.id, m);
      const event = (a: { id: string; kind: string; externalId: string; name: string | null }) => ({
        connectionId: c.id,
        userId: c.userId,
        platform: c.platform,
        accountId: c.accountId,
        asset: { assetId: a.id, kind: a.kind, externalId: a.externalId, name: a.name },
      });
      const gone = listing.complete ? known.filter((a) => a.status === 'active' && !listed.has(key(a.kind, a.externalId))) : [];
      await this.assets.markRemoved(
        m,
        gone.map((a) => a.id),
      );
      for (const a of gone) await this.outbox.enqueue(m, 'asset.removed', event(a));
      removed = gone.length;
      const byKey = new Map(known.map((a) => [key(a.kind, a.externalId), a]));
      for (const [k, d] of listed) {
        const existing = byKey.get(k);
        if (existing) await this.assets.refresh(m, existing.id, d);
        // New, or listed again after a removal (under the same assetId): added.
        if (existing && existing.status === 'active') continue;
        const row = existing ? { ...existing, name: d.name } : await this.assets.insert(m, c.id, d);
        await this.outbox.enqueue(m, 'asset.added', event(row));
        added++;
      }
      if (reachable) await this.syncs.recordSuccess(m, c.id, startedAt, new Date(Date.now() + this.config.assetSyncIntervalMs));
      else await this.syncs.delete(m, c.id); // nothing to list until the user grants what the assets need
    });
    if (added || removed)
      this.logger.log(`Assets of a ${c.platform} connection: ${added} added, ${removed} removed`, { platform: c.platform, connectionId: c.id });
    return { assets: await this.assets.listForConnection(c.id), added, removed };
  }

  /** Backs off the next background sync; the caller's error says what happened, never the provider's words. */
  private async failed(c: Connection, error: unknown): Promise<unknown> {
    const retryAt = (failures: number) =>
      new Date(Date.now() + backoffMs(failures - 1, { baseMs: ASSET_SYNC.retryBaseMs, maxMs: this.config.assetSyncIntervalMs, jitter: 0.2 }));
    if (error instanceof AppException) {
      // The token's own answer is the caller's. What passes (503: provider or database unavailable,
      // a refresh in progress) is retried with backoff; what needs the user (reauth_required) next interval.
      const nextInterval = () => new Date(Date.now() + this.config.assetSyncIntervalMs);
      await this.syncs.recordFailure(c.id, error.code, error.status === 503 ? retryAt : nextInterval);
      return error;
    }
    if (!(error instanceof ProviderError)) {
      await this.syncs.recordFailure(c.id, 'internal_error', retryAt);
      return error;
    }
    await this.syncs.recordFailure(c.id, error.failureClass, retryAt);
    this.logger.warn(`Listing the assets of a ${c.platform} connection failed: ${error.message}`, {
      platform: c.platform,
      connectionId: c.id,
      failureClass: error.failureClass,
      providerError: error.details.providerCode,
    });
    return error.failureClass === 'rate_limited' || error.failureClass === 'transient' || error.failureClass === 'malformed'
      ? AssetsException.providerUnavailable(c.platform, error.details.retryAfterMs ?? 30_000)
      : AssetsException.providerRejected(c.platform);
  }

  /** One background pass of this instance: claimed batches until the budget is spent or none is due. Returns how many were synced. */
  async runOnce(budgetMs: number = ASSET_SYNC.budgetMs): Promise<number> {
    const deadline = Date.now() + budgetMs;
    let synced = 0;
    for (;;) {
      const ids = await this.syncs.claimDue(ASSET_SYNC.batch, ASSET_SYNC.leaseMs);
      synced += await this.syncAll(ids);
      if (ids.length < ASSET_SYNC.batch || Date.now() >= deadline) return synced;
    }
  }

  private async syncAll(ids: string[]): Promise<number> {
    let synced = 0;
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const c = await this.connections.findById(id);
        if (!c) continue; // deleted meanwhile: its row went with it
        try {
          await this.sync(c);
          synced++;
        } catch {
          // Logged and backed off in failed(); a connection needing reauth is retried at the next interval.
        }
      }
    };
    await Promise.all(Array.from({ length: ASSET_SYNC.concurrency }, worker));
    return synced;
  }

  onApplicationBootstrap(): void {
    this.background = runEvery(this.logger, 'Background asset sync', ASSET_SYNC.tickMs, () => this.runOnce());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.background?.stop();
  }
}
