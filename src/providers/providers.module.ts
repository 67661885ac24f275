import { Module } from '@nestjs/common';
import { ProviderHttpClient } from './provider-http.client.js';
import { ProviderRegistry } from './provider-registry.service.js';
import { ProvidersController } from './providers.controller.js';

@Module({ controllers: [ProvidersController], providers: [ProviderHttpClient, ProviderRegistry], exports: [ProviderRegistry, ProviderHttpClient] })
export class ProvidersModule {}
