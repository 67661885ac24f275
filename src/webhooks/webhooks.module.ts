import { Global, Module } from '@nestjs/common';
import { WebhookAdminController } from './webhook-admin.controller.js';
import { WebhookAdminService } from './webhook-admin.service.js';
import { WebhookDispatcherService } from './webhook-dispatcher.service.js';
import { WebhookOutboxRepository } from './webhook-outbox.repository.js';
import { WebhookOutboxService } from './webhook-outbox.service.js';
import { WebhookRetentionService } from './webhook-retention.service.js';

/** Global so feature modules can enqueue events (WebhookOutboxService) without import cycles. */
@Global()
@Module({
  controllers: [WebhookAdminController],
  providers: [WebhookOutboxRepository, WebhookOutboxService, WebhookDispatcherService, WebhookAdminService, WebhookRetentionService],
  exports: [WebhookOutboxService, WebhookDispatcherService],
})
export class WebhooksModule {}
