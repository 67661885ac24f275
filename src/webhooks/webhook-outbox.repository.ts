import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import { affectedRows, resultRows } from '../common/query-result.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import type { ConnectionEventData, WebhookEventType } from './webhook-events.js';
import { WebhookOutboxEvent } from './webhook-outbox.entity.js';

export type OutboxRow = { id: string; eventId: string; eventType: WebhookEventType; payload: unknown; attempts: number; createdAt: Date };

/** The transactional outbox: events are written with the change that caused them. */
@Injectable()
export class WebhookOutboxRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Call inside the transaction that makes the change. A no-op when no WEBHOOK_URL is set. */
  async enqueue(manager: EntityManager, type: WebhookEventType, data: ConnectionEventData): Promise<void> {
    if (!this.config.webhook.url) return;
    await manager.query('INSERT INTO webhook_outbox (event_type, payload) VALUES ($1, $2)', [type, JSON.stringify(data)]);
  }

  /** Claims due, undelivered events for `owner` (others skip them), oldest first. */
  async claimDue(owner: string, limit: number, leaseMs: number): Promise<OutboxRow[]> {
    const rows = await this.dataSource.query(
      `UPDATE webhook_outbox SET lease_owner = $1, lease_expires_at = now() + ($3 || ' milliseconds')::interval
       WHERE id IN (
         SELECT id FROM webhook_outbox
         WHERE delivered_at IS NULL AND next_attempt_at <= now() AND (lease_owner IS NULL OR lease_expires_at < now())
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id, event_id, event_type, payload, attempts, created_at`,
      [owner, limit, String(leaseMs)],
    );
    return resultRows(rows)
      .map((r) => ({ id: String(r.id), eventId: r.event_id as string, eventType: r.event_type as WebhookEventType, payload: r.payload, attempts: r.attempts as number, createdAt: new Date(r.created_at as string) }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  async markDelivered(id: string, owner: string): Promise<void> {
    await this.dataSource.query('UPDATE webhook_outbox SET delivered_at = now(), attempts = attempts + 1, lease_owner = NULL, lease_expires_at = NULL, last_error = NULL WHERE id = $1 AND lease_owner = $2', [id, owner]);
  }

  async markFailed(id: string, owner: string, retryInMs: number, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = now() + ($3 || ' milliseconds')::interval,
       lease_owner = NULL, lease_expires_at = NULL, last_error = $4 WHERE id = $1 AND lease_owner = $2`,
      [id, owner, String(Math.round(retryInMs)), error.slice(0, 300)],
    );
  }

  /**
   * Gives back rows still leased by `owner` (not attempted) and aligns the batch's failed rows on
   * one retry time (the latest), so none becomes due before an older one of the same batch.
   */
  async releaseAligned(ids: string[], owner: string): Promise<void> {
    await this.dataSource.query(
      `WITH t AS (SELECT max(next_attempt_at) AS at FROM webhook_outbox WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL AND lease_owner IS NULL)
       UPDATE webhook_outbox o SET next_attempt_at = GREATEST(o.next_attempt_at, COALESCE(t.at, o.next_attempt_at)), lease_owner = NULL, lease_expires_at = NULL
       FROM t WHERE o.id = ANY($1::bigint[]) AND o.delivered_at IS NULL AND (o.lease_owner IS NULL OR o.lease_owner = $2)`,
      [ids, owner],
    );
  }

  /** Milliseconds until the latest of these undelivered rows is due, by the database's clock. */
  async msUntilDue(ids: string[]): Promise<number> {
    const [row] = resultRows<{ ms: number | null }>(
      await this.dataSource.query(
        'SELECT GREATEST(0, EXTRACT(EPOCH FROM (max(next_attempt_at) - now())) * 1000)::float8 AS ms FROM webhook_outbox WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL',
        [ids],
      ),
    );
    return Math.ceil(Number(row?.ms ?? 0));
  }

  /** Events not yet delivered (the oc_webhook_outbox_pending gauge). */
  pendingCount(): Promise<number> {
    return this.dataSource.getRepository(WebhookOutboxEvent).countBy({ deliveredAt: IsNull() });
  }

  /** Retention: up to `limit` events delivered more than `ageMs` ago (ix_webhook_outbox_delivered, then the primary key). Undelivered ones stay. */
  async deleteDeliveredOlderThan(ageMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(
        `DELETE FROM webhook_outbox WHERE id = ANY(ARRAY(
           SELECT id FROM webhook_outbox WHERE delivered_at < now() - $1::bigint * interval '1 millisecond' ORDER BY delivered_at LIMIT $2))`,
        [ageMs, limit],
      ),
    );
  }
}
