import { Module } from '@nestjs/common';
import { ProvidersModule } from '../providers/providers.module.js';
import { ProviderBreakerRepository } from './provider-breaker.repository.js';
import { ProviderBreakerService } from './provider-breaker.service.js';

/** Per-provider circuit breakers (provider_breakers), shared by every instance. */
@Module({ imports: [ProvidersModule], providers: [ProviderBreakerRepository, ProviderBreakerService], exports: [ProviderBreakerService] })
export class BreakerModule {}
