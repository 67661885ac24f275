import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { endpointKey } from './webhook-dispatcher.service.js';
import { type DeadLetterRow, WebhookOutboxRepository } from './webhook-outbox.repository.js';
import type { DeadLetterDto, DeadLetterListQueryDto, DeadLetterPageDto, RedeliverResultDto, WebhookStatusDto } from './webhooks.dto.js';
import { WebhooksException } from './webhooks.exception.js';

const DEAD_COUNT_CAP = 10_000;
const iso = (v: Date | string) => new Date(v).toISOString();

function toDeadLetter(r: DeadLetterRow): DeadLetterDto {
  return {
    eventId: r.event_id,
    type: r.event_type,
    connectionId: r.connection_id,
    sequence: Number(r.seq),
    userId: typeof r.payload?.userId === 'string' ? r.payload.userId : null,
    platform: typeof r.payload?.platform === 'string' ? r.payload.platform : null,
    createdAt: iso(r.created_at),
    queuedAt: iso(r.queued_at),
    deadAt: iso(r.dead_at),
    attempts: r.attempts,
    lastError: r.last_error ?? null,
  };
}

/** What admins see and do about webhook delivery: its state, dead letters, redelivery, re-enabling after a 410. */
@Injectable()
export class WebhookAdminService {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly outbox: WebhookOutboxRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async status(): Promise<WebhookStatusDto> {
    const { url, secrets, maxAgeMs } = this.config.webhook;
    const [state, pending, deadLetters] = await Promise.all([
      url ? this.outbox.endpointState(endpointKey(url)) : undefined,
      this.outbox.pendingCount(),
      this.outbox.deadCount(DEAD_COUNT_CAP),
    ]);
    return {
      configured: Boolean(url && secrets.length),
      receiverHost: url ? new URL(url).host : null,
      enabled: !state,
      disabledAt: state ? iso(state.disabledAt) : null,
      disabledReason: state?.reason ?? null,
      pending,
      deadLetters,
      maxAgeSeconds: Math.round(maxAgeMs / 1000),
    };
  }

  async deadLetters(q: DeadLetterListQueryDto): Promise<DeadLetterPageDto> {
    const page = await this.outbox.listDead(q);
    return { items: page.rows.map(toDeadLetter), nextCursor: page.nextCursor };
  }

  /** Puts a dead letter back in its connection's line, with a fresh WEBHOOK_MAX_AGE. */
  async redeliver(eventId: string): Promise<RedeliverResultDto> {
    return this.dataSource.transaction(async (m) => {
      const row = await this.outbox.findByEventId(m, eventId);
      if (!row) throw WebhooksException.eventNotFound();
      if (!row.dead || !(await this.outbox.requeue(m, row))) throw WebhooksException.notDeadLetter();
      this.logger.log(`Dead letter ${eventId} queued again for delivery by an admin`);
      return { eventId, sequence: row.seq, requeued: true };
    });
  }

  /** Ends a 410's stop: every instance resumes on its next poll. */
  async enable(): Promise<WebhookStatusDto> {
    const { url } = this.config.webhook;
    if (url && (await this.outbox.enableEndpoint(endpointKey(url)))) this.logger.warn(`Webhook delivery to ${new URL(url).host} re-enabled by an admin`);
    return this.status();
  }
}
