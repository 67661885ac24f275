import { Module } from '@nestjs/common';
import { AssetsModule } from '../assets/assets.module.js';
import { BreakerModule } from '../breaker/breaker.module.js';
import { ConnectionsModule } from '../connections/connections.module.js';
import { InternalModule } from '../internal/internal.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AdminController } from './admin.controller.js';
import { AdminService } from './admin.service.js';

/** Admin API: reads through the owning features' read models (connections, tokens, internal, crypto, breaker, assets). */
@Module({
  imports: [ProvidersModule, ConnectionsModule, TokensModule, InternalModule, BreakerModule, AssetsModule],
  controllers: [AdminController],
  providers: [AdminService],
})
export class AdminModule {}
