import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import type { AppConfig } from '../config/config.types.js';
import { ConnectSessionsModule } from '../connect-sessions/connect-sessions.module.js';
import { DemoProviderController } from './demo-provider.controller.js';
import { DemoProviderService } from './demo-provider.service.js';
import { DemoProviderTokenRepository } from './demo-provider-token.repository.js';
import { DevSessionController, SettingsPageController } from './settings-page.controller.js';
import { SettingsPageService } from './settings-page.service.js';

/**
 * The working example: the reference settings page (always), the development session endpoint
 * and the `demo` platform's authorization server (only with the development conveniences:
 * NODE_ENV=development|test on a loopback HOST; the demo provider also needs DEMO_PROVIDER).
 */
@Module({})
export class DemoModule {
  static forRoot(config: AppConfig): DynamicModule {
    const controllers: Type[] = [SettingsPageController];
    const providers: Provider[] = [SettingsPageService];
    if (config.devConveniences) controllers.push(DevSessionController);
    if (config.demoProvider.enabled && config.devConveniences) {
      controllers.push(DemoProviderController);
      providers.push(DemoProviderService, DemoProviderTokenRepository);
    }
    return { module: DemoModule, imports: [ConnectSessionsModule], controllers, providers };
  }
}
