import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AdminController } from './admin.controller.js';
import { AdminService } from './admin.service.js';
import { AdminQueryRepository } from './admin-query.repository.js';

@Module({ imports: [ProvidersModule, ConnectionsModule, TokensModule], controllers: [AdminController], providers: [AdminService, AdminQueryRepository] })
export class AdminModule {}
