import { Global, Module } from '@nestjs/common';
import { WebhookAdminController } from './webhook-admin.controller.js';
import { WebhookAdminService } from './webhook-admin.service.js';
import { WebhookDispatcherService } from './webhook-dispatcher.service.js';
import { WebhookOutboxRepository } from './webhook-outbox.repository.js';

/** Global so feature modules can enqueue events (WebhookOutboxRepository) without import cycles. */
@Global()
@Module({
  controllers: [WebhookAdminController],
  providers: [WebhookOutboxRepository, WebhookDispatcherService, WebhookAdminService],
  exports: [WebhookOutboxRepository, WebhookDispatcherService],
})
export class WebhooksModule {}
