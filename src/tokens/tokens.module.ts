import { Module } from '@nestjs/common';
import { BreakerModule } from '../breaker/breaker.module.js';
import { ConnectionsModule } from '../connections/connections.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { RefreshHistoryRepository } from './refresh-history.repository.js';
import { RefreshHistoryRetentionService } from './refresh-history-retention.service.js';
import { DemandRefreshService } from './demand-refresh.service.js';
import { TokenAccessService } from './token-access.service.js';
import { RefreshHistoryQueryRepository } from './refresh-history-query.repository.js';
import { RefreshHistoryService } from './refresh-history.service.js';
import { TokenRefreshService } from './token-refresh.service.js';
import { TokenRejectionService } from './token-rejection.service.js';

@Module({
  imports: [ProvidersModule, ConnectionsModule, BreakerModule],
  providers: [
    TokenAccessService,
    DemandRefreshService,
    TokenRefreshService,
    TokenRejectionService,
    RefreshHistoryRepository,
    RefreshHistoryQueryRepository,
    RefreshHistoryService,
    RefreshHistoryRetentionService,
  ],
  exports: [TokenAccessService, TokenRefreshService, TokenRejectionService, RefreshHistoryService],
})
export class TokensModule {}
