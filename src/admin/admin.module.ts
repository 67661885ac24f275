import { Module } from '@nestjs/common';
import { BreakerModule } from '../breaker/breaker.module.js';
import { ConnectionsModule } from '../connections/connections.module.js';
import { InternalModule } from '../internal/internal.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AdminController } from './admin.controller.js';
import { AdminService } from './admin.service.js';

/** Admin API: reads through the owning features' read models (connections, tokens, internal, crypto, breaker). */
@Module({
  imports: [ProvidersModule, ConnectionsModule, TokensModule, InternalModule, BreakerModule],
  controllers: [AdminController],
  providers: [AdminService],
})
export class AdminModule {}
