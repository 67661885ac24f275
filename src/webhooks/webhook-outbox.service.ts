import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ConnectionEventData, WebhookEventType } from './webhook-events.js';
import { WebhookOutboxRepository } from './webhook-outbox.repository.js';

/** What other features may do with webhook_outbox: record an event in their transaction, count what is pending. */
@Injectable()
export class WebhookOutboxService {
  constructor(private readonly outbox: WebhookOutboxRepository) {}

  /** Call inside the transaction that makes the change (the transactional outbox). A no-op when no WEBHOOK_URL is set. */
  enqueue(manager: EntityManager, type: WebhookEventType, data: ConnectionEventData): Promise<void> {
    return this.outbox.enqueue(manager, type, data);
  }

  /** Events not yet delivered (the oc_webhook_outbox_pending gauge). */
  pendingCount(): Promise<number> {
    return this.outbox.pendingCount();
  }
}
