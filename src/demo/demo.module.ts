import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import type { AppConfig } from '../config/config.types.js';
import { DemoProviderController } from './demo-provider.controller.js';
import { DemoProviderService } from './demo-provider.service.js';
import { DevSessionController, SettingsPageController } from './settings-page.controller.js';
import { SettingsPageService } from './settings-page.service.js';

/**
 * The working example: the reference settings page (always), the development session endpoint
 * (never in production) and the `demo` platform's authorization server (only when
 * DEMO_PROVIDER enables it, which it never does in production).
 */
@Module({})
export class DemoModule {
  static forRoot(config: AppConfig): DynamicModule {
    const controllers: Type[] = [SettingsPageController];
    const providers: Provider[] = [SettingsPageService];
    if (!config.isProduction) controllers.push(DevSessionController);
    if (config.demoProvider.enabled && !config.isProduction) {
      controllers.push(DemoProviderController);
      providers.push(DemoProviderService);
    }
    return { module: DemoModule, controllers, providers };
  }
}
