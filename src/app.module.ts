import { type DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module.js';
import { AssetsModule } from './assets/assets.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ConnectSessionsModule } from './connect-sessions/connect-sessions.module.js';
import { ConnectionsModule } from './connections/connections.module.js';
import { ConfigModule } from './config/config.module.js';
import { CryptoModule } from './crypto/crypto.module.js';
import { DatabaseModule } from './database/database.module.js';
import { DemoModule } from './demo/demo.module.js';
import { HealthModule } from './health/health.module.js';
import { InstancesModule } from './instances/instances.module.js';
import { InternalModule } from './internal/internal.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { PROVIDER_CONFIGS } from './providers/provider.types.js';
import { ProvidersModule } from './providers/providers.module.js';
import { SchedulerModule } from './scheduler/scheduler.module.js';
import type { StartupConfig } from './startup-config.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

@Module({})
export class AppModule {
  static forRoot({ providers, ...config }: StartupConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, [{ provide: PROVIDER_CONFIGS, useValue: providers }]),
        CryptoModule,
        DatabaseModule,
        JobsModule,
        InstancesModule,
        RateLimitModule,
        AuthModule,
        HealthModule,
        ProvidersModule,
        ConnectionsModule,
        ConnectSessionsModule,
        AssetsModule,
        InternalModule,
        SchedulerModule,
        WebhooksModule,
        AdminModule,
        MetricsModule,
        DemoModule.forRoot(config),
      ],
    };
  }
}
