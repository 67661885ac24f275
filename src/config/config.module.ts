import { type DynamicModule, Global, Module, type ValueProvider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from './config.types.js';

/**
 * Provides the configuration validated at startup (nothing else reads the environment), and the
 * settings other features loaded with it (`sections`, such as the enabled providers).
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig, sections: ValueProvider[] = []): DynamicModule {
    const providers = [{ provide: APP_CONFIG, useValue: config }, ...sections];
    return { module: ConfigModule, providers, exports: providers.map((p) => p.provide) };
  }
}
