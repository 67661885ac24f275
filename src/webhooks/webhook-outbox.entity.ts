import { Column, CreateDateColumn, Entity, Generated, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { WebhookEventType } from './webhook-events.js';

/** One event of the transactional outbox (migration 1764000200000), kept until delivered and then WEBHOOK_RETENTION. */
@Entity({ name: 'webhook_outbox' })
@Index('ix_webhook_outbox_pending', ['nextAttemptAt'], { where: 'delivered_at IS NULL' })
// Retention of delivered events (migration 1764000900000).
@Index('ix_webhook_outbox_delivered', ['deliveredAt'], { where: 'delivered_at IS NOT NULL' })
export class WebhookOutboxEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** What receivers dedupe on (`X-Webhook-Id`). */
  @Column({ name: 'event_id', type: 'uuid' })
  @Generated('uuid')
  eventId!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: WebhookEventType;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ name: 'lease_owner', type: 'varchar', length: 80, nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt!: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 300, nullable: true })
  lastError!: string | null;
}
