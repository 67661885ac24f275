import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { decodeCursor, type Page, toPage } from '../common/keyset-cursor.js';
import { affectedRows, resultRows } from '../common/query-result.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import type { ConnectionEventData, WebhookEventType } from './webhook-events.js';

export type OutboxRow = {
  id: string;
  eventId: string;
  eventType: WebhookEventType;
  payload: unknown;
  attempts: number;
  createdAt: Date;
  connectionId: string;
  seq: number;
};

export type DeadLetterRow = {
  id: string;
  event_id: string;
  event_type: WebhookEventType;
  connection_id: string;
  seq: string;
  payload: { userId?: string; platform?: string };
  created_at: Date;
  queued_at: Date;
  dead_at: Date;
  attempts: number;
  last_error: string | null;
  sort_key: string;
};

/** How a head leaves its line. */
export type LineExit = 'delivered' | 'dead';

const RETURNED = 'id, event_id, event_type, payload, attempts, created_at, connection_id, seq, next_attempt_at';
const PENDING = 'delivered_at IS NULL AND dead_at IS NULL';
const DEAD_COLUMNS = 'id, event_id, event_type, connection_id, seq, payload, created_at, queued_at, dead_at, attempts, last_error, dead_at::text AS sort_key';
/**
 * The id of a connection's earliest pending event. ORDER BY seq keeps it on ix_webhook_outbox_line
 * even for a connection with a long line, where a plain EXISTS may be planned as a table scan.
 */
const FIRST_PENDING = (connection: string) => `SELECT id FROM webhook_outbox WHERE connection_id = ${connection} AND ${PENDING} ORDER BY seq LIMIT 1`;

/**
 * The statements, named, so tests can EXPLAIN exactly what runs. Each is served by an index of
 * migration 1764001000000 (named next to it).
 */
export const WEBHOOK_SQL = {
  /** The connection's next sequence number; locks its counter row until the caller's transaction ends (primary key). */
  nextSeq: `INSERT INTO webhook_sequences (connection_id, last_seq) VALUES ($1, 1)
    ON CONFLICT (connection_id) DO UPDATE SET last_seq = webhook_sequences.last_seq + 1 RETURNING last_seq`,
  /**
   * Its own statement after nextSeq: under READ COMMITTED it then sees every change to the line
   * committed before the counter lock was ours, so "nothing pending" is true (ix_webhook_outbox_line).
   */
  insert: `INSERT INTO webhook_outbox (event_type, payload, connection_id, seq, head)
    SELECT $1, $2, $3::uuid, $4, (${FIRST_PENDING('$3::uuid')}) IS NULL`,
  /**
   * Due heads, oldest due first, skipping rows another instance holds (ix_webhook_outbox_due); none
   * once the receiver's URL ($4, its hash) is disabled, so no instance claims after a 410 is recorded.
   */
  claimDue: `UPDATE webhook_outbox SET lease_owner = $1, lease_expires_at = now() + ($3 || ' milliseconds')::interval
    WHERE id IN (
      SELECT id FROM webhook_outbox
      WHERE head AND next_attempt_at <= now() AND (lease_owner IS NULL OR lease_expires_at < now())
        AND NOT EXISTS (SELECT 1 FROM webhook_endpoint_state WHERE url_hash = $4)
      ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
    RETURNING ${RETURNED}`,
  /** Heads queued longer ago than WEBHOOK_MAX_AGE (ix_webhook_outbox_head_age). */
  expiredHeads: `SELECT id, connection_id, seq FROM webhook_outbox
    WHERE head AND queued_at < now() - ($1 || ' milliseconds')::interval ORDER BY queued_at LIMIT $2`,
  /** Locks a connection's line (its counter row, recreated if a redelivery outlived it). */
  lockLine: `INSERT INTO webhook_sequences (connection_id, last_seq) VALUES ($1, $2)
    ON CONFLICT (connection_id) DO UPDATE SET last_seq = GREATEST(webhook_sequences.last_seq, EXCLUDED.last_seq)`,
  delivered: `UPDATE webhook_outbox SET delivered_at = now(), head = false, attempts = attempts + 1, lease_owner = NULL, lease_expires_at = NULL, last_error = NULL
    WHERE id = $1 AND head AND lease_owner = $2 RETURNING event_type`,
  dead: `UPDATE webhook_outbox SET dead_at = now(), head = false, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = $1 AND head AND queued_at < now() - ($2 || ' milliseconds')::interval AND (lease_owner IS NULL OR lease_expires_at < now())
    RETURNING event_type`,
  /** Makes the line's earliest pending event its head, unless it has one (ix_webhook_outbox_line, ux_webhook_outbox_head). */
  promote: `UPDATE webhook_outbox SET head = true
    WHERE id = (${FIRST_PENDING('$1')})
      AND NOT EXISTS (SELECT 1 FROM webhook_outbox WHERE connection_id = $1 AND head)
    RETURNING id`,
  lineEmpty: `SELECT (${FIRST_PENDING('$1')}) IS NULL AS empty`,
  endLine: 'DELETE FROM webhook_sequences WHERE connection_id = $1',
  failed: `UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = now() + ($3 || ' milliseconds')::interval,
    lease_owner = NULL, lease_expires_at = NULL, last_error = $4 WHERE id = $1 AND lease_owner = $2`,
  release: 'UPDATE webhook_outbox SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ANY($1::bigint[]) AND lease_owner = $2',
  /** ux_webhook_outbox_event. */
  byEventId: 'SELECT id, connection_id, seq, dead_at FROM webhook_outbox WHERE event_id = $1',
  requeue: `UPDATE webhook_outbox SET dead_at = NULL, queued_at = now(), next_attempt_at = now(), attempts = 0, last_error = NULL
    WHERE id = $1 AND dead_at IS NOT NULL RETURNING id`,
  /** ix_webhook_outbox_dead, newest first; `sort_key` keeps dead_at's microseconds for the cursor. */
  deadPage: `SELECT ${DEAD_COLUMNS} FROM webhook_outbox WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, id DESC LIMIT $1`,
  deadPageAfter: `SELECT ${DEAD_COLUMNS} FROM webhook_outbox WHERE dead_at IS NOT NULL AND (dead_at, id) < ($2::timestamptz, $3::bigint) ORDER BY dead_at DESC, id DESC LIMIT $1`,
  /** ix_webhook_outbox_line (an index-only count of the backlog, not of the table). */
  pendingCount: `SELECT count(*)::int AS n FROM webhook_outbox WHERE ${PENDING}`,
  /** ix_webhook_outbox_dead, counted up to a cap. */
  deadCount: 'SELECT count(*)::int AS n FROM (SELECT 1 FROM webhook_outbox WHERE dead_at IS NOT NULL LIMIT $1) d',
  /** ix_webhook_outbox_dead, oldest first. */
  deleteDead: `DELETE FROM webhook_outbox WHERE id IN (
    SELECT id FROM webhook_outbox WHERE dead_at IS NOT NULL AND dead_at < now() - ($1 || ' milliseconds')::interval ORDER BY dead_at, id LIMIT $2)`,
  endpointState: 'SELECT disabled_at, reason FROM webhook_endpoint_state WHERE url_hash = $1',
  disableEndpoint:
    'INSERT INTO webhook_endpoint_state (url_hash, disabled_at, reason) VALUES ($1, now(), $2) ON CONFLICT (url_hash) DO NOTHING RETURNING disabled_at',
  enableEndpoint: 'DELETE FROM webhook_endpoint_state WHERE url_hash = $1 RETURNING disabled_at',
  /** The state of URLs no longer configured, once old. */
  deleteStaleEndpoints: `DELETE FROM webhook_endpoint_state WHERE url_hash <> $1 AND disabled_at < now() - ($2 || ' milliseconds')::interval`,
} as const;

const toRow = (r: Record<string, unknown>): OutboxRow => ({
  id: String(r.id),
  eventId: r.event_id as string,
  eventType: r.event_type as WebhookEventType,
  payload: r.payload,
  attempts: r.attempts as number,
  createdAt: new Date(r.created_at as string),
  connectionId: r.connection_id as string,
  seq: Number(r.seq),
});

/** The transactional outbox (webhook_outbox), each connection's line of events and the receiver's enabled state. */
@Injectable()
export class WebhookOutboxRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Call inside the transaction that makes the change. A no-op when no WEBHOOK_URL is set. Takes the
   * connection's counter lock until that transaction ends, so its events are numbered in commit order.
   */
  async enqueue(manager: EntityManager, type: WebhookEventType, data: ConnectionEventData): Promise<void> {
    if (!this.config.webhook.url) return;
    const [line] = resultRows<{ last_seq: string }>(await manager.query(WEBHOOK_SQL.nextSeq, [data.connectionId]));
    await manager.query(WEBHOOK_SQL.insert, [type, JSON.stringify(data), data.connectionId, line!.last_seq]);
  }

  /** Claims due heads for `owner` (other instances skip them): at most one event per connection. */
  async claimDue(owner: string, limit: number, leaseMs: number, urlHash: string): Promise<OutboxRow[]> {
    const rows = resultRows(await this.dataSource.query(WEBHOOK_SQL.claimDue, [owner, limit, String(leaseMs), urlHash]));
    // RETURNING keeps no order: longest due first, as claimed.
    const due = (r: Record<string, unknown>) => new Date(r.next_attempt_at as string).getTime();
    return rows.sort((a, b) => due(a) - due(b) || Number(a.id) - Number(b.id)).map(toRow);
  }

  /** Heads queued more than `maxAgeMs` ago, oldest first. */
  async expiredHeads(maxAgeMs: number, limit: number): Promise<{ id: string; connectionId: string; seq: number }[]> {
    const rows = resultRows<{ id: string; connection_id: string; seq: string }>(
      await this.dataSource.query(WEBHOOK_SQL.expiredHeads, [String(maxAgeMs), limit]),
    );
    return rows.map((r) => ({ id: String(r.id), connectionId: r.connection_id, seq: Number(r.seq) }));
  }

  /**
   * Takes a head out of its line (delivered by `owner`, or dead after `maxAgeMs`) and makes the next
   * pending event the head. Call in a transaction. Returns false when the row was no longer this
   * head to take (another instance's lease, already done).
   */
  async leaveLine(
    manager: EntityManager,
    row: { id: string; connectionId: string; seq: number },
    exit: { kind: 'delivered'; owner: string } | { kind: 'dead'; maxAgeMs: number },
  ): Promise<boolean> {
    await manager.query(WEBHOOK_SQL.lockLine, [row.connectionId, row.seq]);
    const left = resultRows<{ event_type: WebhookEventType }>(
      exit.kind === 'delivered'
        ? await manager.query(WEBHOOK_SQL.delivered, [row.id, exit.owner])
        : await manager.query(WEBHOOK_SQL.dead, [row.id, String(exit.maxAgeMs)]),
    );
    if (!left.length) return false;
    const promoted = resultRows(await manager.query(WEBHOOK_SQL.promote, [row.connectionId]));
    // A deleted connection has no more events: its counter goes with its last one.
    if (!promoted.length && left[0]!.event_type === 'connection.deleted') {
      const [line] = resultRows<{ empty: boolean }>(await manager.query(WEBHOOK_SQL.lineEmpty, [row.connectionId]));
      if (line?.empty) await manager.query(WEBHOOK_SQL.endLine, [row.connectionId]);
    }
    return true;
  }

  async markFailed(id: string, owner: string, retryInMs: number, error: string): Promise<void> {
    await this.dataSource.query(WEBHOOK_SQL.failed, [id, owner, String(Math.round(retryInMs)), error.slice(0, 300)]);
  }

  /** Gives back rows `owner` claimed but did not attempt; they stay heads, due as before. */
  async release(ids: string[], owner: string): Promise<void> {
    if (ids.length) await this.dataSource.query(WEBHOOK_SQL.release, [ids, owner]);
  }

  async findByEventId(manager: EntityManager, eventId: string): Promise<{ id: string; connectionId: string; seq: number; dead: boolean } | undefined> {
    const [r] = resultRows<{ id: string; connection_id: string; seq: string; dead_at: Date | null }>(await manager.query(WEBHOOK_SQL.byEventId, [eventId]));
    return r && { id: String(r.id), connectionId: r.connection_id, seq: Number(r.seq), dead: r.dead_at !== null };
  }

  /** Puts a dead letter back in its connection's line (call in a transaction): queued now, attempts from zero. */
  async requeue(manager: EntityManager, row: { id: string; connectionId: string; seq: number }): Promise<boolean> {
    await manager.query(WEBHOOK_SQL.lockLine, [row.connectionId, row.seq]);
    if (!resultRows(await manager.query(WEBHOOK_SQL.requeue, [row.id])).length) return false;
    await manager.query(WEBHOOK_SQL.promote, [row.connectionId]);
    return true;
  }

  /** Dead letters, newest first, with keyset pagination (ix_webhook_outbox_dead). */
  async listDead(q: { limit?: number; cursor?: string }): Promise<Page<DeadLetterRow>> {
    const limit = q.limit ?? 50;
    const [key, id] = q.cursor ? decodeCursor(q.cursor, 'webhook_dead_letters') : [];
    const rows =
      key === undefined
        ? await this.dataSource.query(WEBHOOK_SQL.deadPage, [limit + 1])
        : await this.dataSource.query(WEBHOOK_SQL.deadPageAfter, [limit + 1, key, id]);
    return toPage(resultRows<DeadLetterRow>(rows), limit, 'webhook_dead_letters');
  }

  /** Events not yet delivered nor dead (the oc_webhook_outbox_pending gauge). */
  async pendingCount(): Promise<number> {
    const [row] = resultRows<{ n: number }>(await this.dataSource.query(WEBHOOK_SQL.pendingCount));
    return row?.n ?? 0;
  }

  /** Dead letters, counted up to `cap`. */
  async deadCount(cap: number): Promise<number> {
    const [row] = resultRows<{ n: number }>(await this.dataSource.query(WEBHOOK_SQL.deadCount, [cap]));
    return row?.n ?? 0;
  }

  async deleteDeadBefore(ageMs: number, limit: number): Promise<number> {
    return affectedRows(await this.dataSource.query(WEBHOOK_SQL.deleteDead, [String(ageMs), limit]));
  }

  async endpointState(urlHash: string): Promise<{ disabledAt: Date; reason: string } | undefined> {
    const [r] = resultRows<{ disabled_at: Date; reason: string }>(await this.dataSource.query(WEBHOOK_SQL.endpointState, [urlHash]));
    return r && { disabledAt: new Date(r.disabled_at), reason: r.reason };
  }

  /** True when this call disabled it (it was enabled). */
  async disableEndpoint(urlHash: string, reason: string): Promise<boolean> {
    return resultRows(await this.dataSource.query(WEBHOOK_SQL.disableEndpoint, [urlHash, reason.slice(0, 300)])).length > 0;
  }

  /** True when it was disabled. */
  async enableEndpoint(urlHash: string): Promise<boolean> {
    return resultRows(await this.dataSource.query(WEBHOOK_SQL.enableEndpoint, [urlHash])).length > 0;
  }

  async deleteStaleEndpoints(currentUrlHash: string, ageMs: number): Promise<void> {
    await this.dataSource.query(WEBHOOK_SQL.deleteStaleEndpoints, [currentUrlHash, String(ageMs)]);
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
