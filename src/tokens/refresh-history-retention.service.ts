import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { RetentionService } from '../jobs/retention.service.js';
import { RefreshHistoryRepository } from './refresh-history.repository.js';

/** refresh_log and refresh_failures are kept REFRESH_LOG_RETENTION and REFRESH_FAILURE_RETENTION. */
@Injectable()
export class RefreshHistoryRetentionService implements OnModuleInit {
  constructor(
    private readonly history: RefreshHistoryRepository,
    private readonly retention: RetentionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.retention.register({ table: 'refresh_log', deleteBatch: (limit) => this.history.deleteAttemptsOlderThan(this.config.retention.refreshLogMs, limit) });
    this.retention.register({
      table: 'refresh_failures',
      deleteBatch: (limit) => this.history.deleteFailuresOlderThan(this.config.retention.refreshFailureMs, limit),
    });
  }
}
