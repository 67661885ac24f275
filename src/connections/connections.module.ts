import { Module } from '@nestjs/common';
import { ProvidersModule } from '../providers/providers.module.js';
import { ConnectFlowService } from './connect-flow.service.js';
import { ConnectionRepository } from './connection.repository.js';
import { ConnectionAdminQueryRepository } from './connection-admin-query.repository.js';
import { ConnectionLeaseRepository } from './connection-lease.repository.js';
import { ConnectionGrantHooks } from './connection-grant-hooks.service.js';
import { ConnectionAdminReadService } from './connection-admin-read.service.js';
import { ConnectionCountsService } from './connection-counts.service.js';
import { ConnectionStoreService } from './connection-store.service.js';
import { ConnectionsController } from './connections.controller.js';
import { ConnectionsService } from './connections.service.js';
import { ExpiryWarningRepository } from './expiry-warning.repository.js';
import { ExpiryWarningService } from './expiry-warning.service.js';
import { NextRefreshRepository } from './next-refresh.repository.js';
import { NextRefreshService } from './next-refresh.service.js';
import { OAuthStateRepository } from './oauth-state.repository.js';
import { OAuthStateRetentionService } from './oauth-state-retention.service.js';

@Module({
  imports: [ProvidersModule],
  controllers: [ConnectionsController],
  providers: [
    ConnectFlowService,
    ConnectionGrantHooks,
    ConnectionsService,
    ConnectionStoreService,
    ConnectionAdminReadService,
    ConnectionCountsService,
    ConnectionRepository,
    ConnectionLeaseRepository,
    ConnectionAdminQueryRepository,
    OAuthStateRepository,
    OAuthStateRetentionService,
    ExpiryWarningService,
    ExpiryWarningRepository,
    NextRefreshRepository,
    NextRefreshService,
  ],
  // Every read and write of `connections` goes through these repositories; other features use the services.
  exports: [ConnectionsService, ConnectionStoreService, ConnectionAdminReadService, ConnectionCountsService, ConnectFlowService, ConnectionGrantHooks],
})
export class ConnectionsModule {}
