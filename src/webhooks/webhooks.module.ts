import { Global, Module } from '@nestjs/common';
import { WebhookDispatcherService } from './webhook-dispatcher.service.js';
import { WebhookOutboxRepository } from './webhook-outbox.repository.js';
import { WebhookOutboxService } from './webhook-outbox.service.js';

/** Global so feature modules can enqueue events (WebhookOutboxService) without import cycles. */
@Global()
@Module({
  providers: [WebhookOutboxRepository, WebhookOutboxService, WebhookDispatcherService],
  exports: [WebhookOutboxService, WebhookDispatcherService],
})
export class WebhooksModule {}
