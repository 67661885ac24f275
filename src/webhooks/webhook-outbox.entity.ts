import { Column, CreateDateColumn, Entity, Generated, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { WebhookEventType } from './webhook-events.js';

/**
 * One event of the transactional outbox (migrations 1764000200000, 1764001000000): pending, then
 * delivered or dead (a dead letter). Each connection's pending events form a line in `seq` order;
 * only its first (`head`) may be claimed, so none overtakes an earlier one.
 */
@Entity({ name: 'webhook_outbox' })
@Index('ix_webhook_outbox_due', ['nextAttemptAt', 'id'], { where: 'head' })
@Index('ix_webhook_outbox_head_age', ['queuedAt'], { where: 'head' })
@Index('ux_webhook_outbox_head', ['connectionId'], { unique: true, where: 'head' })
@Index('ix_webhook_outbox_line', ['connectionId', 'seq'], { where: 'delivered_at IS NULL AND dead_at IS NULL' })
// Newest first: (dead_at DESC, id DESC) in the migration; the sort order is not compared.
@Index('ix_webhook_outbox_dead', ['deadAt', 'id'], { where: 'dead_at IS NOT NULL' })
// Retention of delivered events (migration 1764000900000).
@Index('ix_webhook_outbox_delivered', ['deliveredAt'], { where: 'delivered_at IS NOT NULL' })
@Index('ux_webhook_outbox_event', ['eventId'], { unique: true })
export class WebhookOutboxEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** What receivers dedupe on (`webhook-id`). */
  @Column({ name: 'event_id', type: 'uuid' })
  @Generated('uuid')
  eventId!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: WebhookEventType;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @Column({ name: 'connection_id', type: 'uuid' })
  connectionId!: string;

  /** 1, 2, 3… per connection (the body's `sequence`). */
  @Column({ type: 'bigint' })
  seq!: string;

  /** The connection's earliest pending event: the only one of its line the dispatcher may claim. */
  @Column({ type: 'boolean', default: false })
  head!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** When it entered the queue (again, after a redelivery): WEBHOOK_MAX_AGE counts from here. */
  @Column({ name: 'queued_at', type: 'timestamptz', default: () => 'now()' })
  queuedAt!: Date;

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

  /** Given up: still undelivered WEBHOOK_MAX_AGE after `queuedAt`. */
  @Column({ name: 'dead_at', type: 'timestamptz', nullable: true })
  deadAt!: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 300, nullable: true })
  lastError!: string | null;
}
