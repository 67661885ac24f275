import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { BreakerModule } from '../breaker/breaker.module.js';
import { ConnectionsModule } from '../connections/connections.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { RefreshSchedulerService } from './refresh-scheduler.service.js';

@Module({
  imports: [ScheduleModule.forRoot(), ProvidersModule, ConnectionsModule, TokensModule, BreakerModule],
  providers: [RefreshSchedulerService],
  exports: [RefreshSchedulerService],
})
export class SchedulerModule {}
