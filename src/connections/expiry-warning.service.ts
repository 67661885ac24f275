import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type Repeating, runEvery } from '../common/every.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { BackgroundJobsService } from '../jobs/background-jobs.service.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import { WebhookOutboxService } from '../webhooks/webhook-outbox.service.js';
import { renewalModes } from './expiring.js';
import { ExpiryWarningRepository } from './expiry-warning.repository.js';

/** Every few minutes, on one instance at a time, in batches. */
export const EXPIRY_WARNINGS = { tickMs: 5 * 60_000, batch: 500, maxBatches: 20 } as const;

/**
 * connection.expiring, once per connection at EXPIRY_WARNING before its grant ends and again one
 * day before, for grants nothing renews without the user (src/connections/expiring.ts): the app
 * asks the user to reconnect (a hosted connect link with the connectionId) before anything dies.
 */
@Injectable()
export class ExpiryWarningService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ExpiryWarnings');
  private background?: Repeating;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: ProviderRegistry,
    private readonly warnings: ExpiryWarningRepository,
    private readonly outbox: WebhookOutboxService,
    private readonly jobs: BackgroundJobsService,
  ) {}

  /** One pass (`force`: even if another instance ran one just now); returns how many warnings were queued. */
  async run(force = false): Promise<number> {
    const everyMs = force ? 0 : EXPIRY_WARNINGS.tickMs - 30_000;
    const run = await this.jobs.runExclusive('expiry-warnings', { everyMs, leaseMs: 10 * 60_000 }, async () => {
      const modes = renewalModes(this.registry.list());
      let sent = 0;
      for (let i = 0; i < EXPIRY_WARNINGS.maxBatches; i++) {
        const n = await this.dataSource.transaction(async (m) => {
          const due = await this.warnings.markDue(m, modes, this.config.expiryWarningMs, EXPIRY_WARNINGS.batch);
          for (const w of due) {
            await this.outbox.enqueue(m, 'connection.expiring', {
              connectionId: w.id,
              userId: w.user_id,
              platform: w.platform,
              accountId: w.account_id,
              status: 'active',
              expiresAt: new Date(w.ends_at).toISOString(),
              reason: w.refresh_token_ends ? 'refresh_token_expires' : 'access_token_expires',
              warning: w.stage === 2 ? 'final' : 'first',
            });
          }
          return due.length;
        });
        sent += n;
        if (n < EXPIRY_WARNINGS.batch) break;
      }
      return sent;
    });
    return run.ran ? run.result : 0;
  }

  onApplicationBootstrap(): void {
    this.background = runEvery(this.logger, 'Sending expiry warnings', EXPIRY_WARNINGS.tickMs, () => this.run());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.background?.stop();
  }
}
