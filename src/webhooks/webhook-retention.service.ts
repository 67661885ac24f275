import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { RetentionService } from '../jobs/retention.service.js';
import { WebhookOutboxRepository } from './webhook-outbox.repository.js';

/** Delivered events are kept WEBHOOK_RETENTION (whether or not WEBHOOK_URL is still set). */
@Injectable()
export class WebhookRetentionService implements OnModuleInit {
  constructor(
    private readonly outbox: WebhookOutboxRepository,
    private readonly retention: RetentionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.retention.register({ table: 'webhook_outbox', deleteBatch: (limit) => this.outbox.deleteDeliveredOlderThan(this.config.retention.webhookMs, limit) });
  }
}
