import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { RetentionService } from '../jobs/retention.service.js';
import { ConnectionAssetRepository } from './connection-asset.repository.js';

/** Removed assets are deleted ASSET_RETENTION after their removal; active ones live as long as their connection. */
@Injectable()
export class AssetRetentionService implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly assets: ConnectionAssetRepository,
    private readonly retention: RetentionService,
  ) {}

  onModuleInit(): void {
    this.retention.register({ table: 'connection_assets', deleteBatch: (limit) => this.assets.deleteRemoved(this.config.retention.assetMs, limit) });
  }
}
