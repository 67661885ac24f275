import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { ConnectSessionRepository } from './connect-session.repository.js';
import { ConnectSessionRetentionService } from './connect-session-retention.service.js';
import { ConnectSessionsController, HostedConnectController } from './connect-sessions.controller.js';
import { ConnectSessionsService } from './connect-sessions.service.js';

/** Hosted connect (issue 14): connect sessions (its table, connect_sessions) and the hosted pages. */
@Module({
  imports: [ProvidersModule, ConnectionsModule],
  controllers: [ConnectSessionsController, HostedConnectController],
  providers: [ConnectSessionsService, ConnectSessionRepository, ConnectSessionRetentionService],
  exports: [ConnectSessionsService],
})
export class ConnectSessionsModule {}
