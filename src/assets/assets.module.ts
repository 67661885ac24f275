import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AssetRetentionService } from './asset-retention.service.js';
import { AssetSyncRepository } from './asset-sync.repository.js';
import { AssetSyncService } from './asset-sync.service.js';
import { AssetsController } from './assets.controller.js';
import { AssetsService } from './assets.service.js';
import { ConnectionAssetRepository } from './connection-asset.repository.js';

/** What a connection publishes to (issue 17): Facebook Pages, Instagram accounts, LinkedIn organisations, YouTube channels. */
@Module({
  imports: [ProvidersModule, ConnectionsModule, TokensModule],
  controllers: [AssetsController],
  providers: [AssetsService, AssetSyncService, ConnectionAssetRepository, AssetSyncRepository, AssetRetentionService],
  exports: [AssetsService, AssetSyncService],
})
export class AssetsModule {}
