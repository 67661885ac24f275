import { Global, Module } from '@nestjs/common';
import { BreakerModule } from '../breaker/breaker.module.js';
import { ConnectionsModule } from '../connections/connections.module.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

@Global()
@Module({ imports: [ConnectionsModule, BreakerModule], controllers: [MetricsController], providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
