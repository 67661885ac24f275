import { Global, Module } from '@nestjs/common';
import { WebhookDispatcherService } from './webhook-dispatcher.service.js';
import { WebhookOutboxRepository } from './webhook-outbox.repository.js';
import { WebhookRetentionService } from './webhook-retention.service.js';

/** Global so feature modules can enqueue events (WebhookOutboxRepository) without import cycles. */
@Global()
@Module({
  providers: [WebhookOutboxRepository, WebhookDispatcherService, WebhookRetentionService],
  exports: [WebhookOutboxRepository, WebhookDispatcherService],
})
export class WebhooksModule {}
