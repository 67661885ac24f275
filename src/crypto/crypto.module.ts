import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { EncryptedColumnRepository } from './encrypted-column.repository.js';
import { installKeyRing, uninstallKeyRing } from './encrypted-column.transformer.js';
import { KeyRing } from './key-ring.js';
import { KeyUsageService } from './key-usage.service.js';

@Global()
@Module({
  providers: [
    {
      provide: KeyRing,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const ring = new KeyRing(config.encryptionKeys);
        installKeyRing(ring);
        return ring;
      },
    },
    EncryptedColumnRepository,
    KeyUsageService,
  ],
  exports: [KeyRing, KeyUsageService],
})
export class CryptoModule implements OnApplicationShutdown {
  constructor(@Inject(KeyRing) private readonly ring: KeyRing) {}

  onApplicationShutdown(): void {
    uninstallKeyRing(this.ring);
  }
}
