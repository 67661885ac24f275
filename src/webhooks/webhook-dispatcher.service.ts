import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { signWebhookPayload } from '@ttoss/auth-core';
import { randomUUID } from 'node:crypto';
import { backoffMs } from '../common/backoff.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { type OutboxRow, WebhookOutboxRepository } from './webhook-outbox.repository.js';

const BATCH_SIZE = 20;
const LEASE_MS = 30_000;
const USER_AGENT = 'oauth-connections-webhooks/1.0';
/** Statuses (besides network errors and timeouts) that say "the receiver is unavailable", not "this event is refused". */
const UNAVAILABLE_STATUSES = new Set([408, 429, 502, 503, 504]);

type Outcome = { ok: true } | { ok: false; error: string; unavailable: boolean };

/** The delay before an event's next attempt is `backoffBaseMs * 2^attempts`, capped, minus up to this fraction. */
export const WEBHOOK_BACKOFF_JITTER = 0.2;

/**
 * Delivers the transactional outbox (webhook_outbox) to WEBHOOK_URL: signed JSON POSTs, retried with
 * exponential backoff until the receiver answers 2xx. Delivery is at-least-once: receivers dedupe on
 * `X-Webhook-Id`.
 */
@Injectable()
export class WebhookDispatcherService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  /** Identifies this instance's leases on outbox rows. */
  readonly owner = `wh-${randomUUID()}`;

  /** Tunables; the defaults are the production behaviour (tests may lower them). */
  pollIntervalMs = 500;
  backoffBaseMs = 1_000;
  backoffMaxMs = 5 * 60_000;
  timeoutMs = 5_000;

  private timer?: NodeJS.Timeout;
  private started = false;
  private stopped = false;
  /** Cycles run one at a time (timer and drain() share this chain). */
  private chain: Promise<void> = Promise.resolve();
  /** Set when the receiver looked down: no new claims before this time (Date.now() clock). */
  private pausedUntil = 0;

  constructor(
    private readonly outbox: WebhookOutboxRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get enabled(): boolean {
    return Boolean(this.config.webhook.url && this.config.webhook.secret);
  }

  onApplicationBootstrap(): void {
    if (!this.enabled || this.started || this.stopped) return;
    this.started = true;
    this.logger.log(`Delivering webhooks to ${new URL(this.config.webhook.url!).host}`);
    this.schedule();
  }

  // Stop before any onApplicationShutdown hook closes the database pool.
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Stops polling and waits for the cycle in flight (at most one delivery plus its bookkeeping). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
  }

  /** Runs one poll cycle now, ignoring a pause after failures (due rows only). */
  drain(): Promise<void> {
    return this.runCycle(true);
  }

  /** Events not yet delivered. */
  pending(): Promise<number> {
    return this.outbox.pendingCount();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.runCycle(false)
        .catch((err: unknown) => this.logger.error(`Webhook poll failed: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => this.schedule());
    }, this.pollIntervalMs);
    this.timer.unref();
  }

  private runCycle(force: boolean): Promise<void> {
    const run = this.chain.then(() => this.cycle(force));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async cycle(force: boolean): Promise<void> {
    if (!this.enabled || this.stopped) return;
    if (!force && Date.now() < this.pausedUntil) return;
    this.pausedUntil = 0;
    while (!this.stopped) {
      const batch = await this.outbox.claimDue(this.owner, BATCH_SIZE, LEASE_MS);
      if (!batch.length) return;
      const receiverDown = await this.deliverBatch(batch);
      if (receiverDown || batch.length < BATCH_SIZE) return;
    }
  }

  /**
   * Delivers a claimed batch one event at a time, in id order. When the receiver looks unavailable
   * (network error, timeout, 408/429/502/503/504) the rest of the batch is held back unattempted:
   * sending them could let a later event reach a receiver that is just coming back before the one
   * that failed. Other refusals (4xx, 500) are the event's own: the batch goes on, so one rejected
   * event cannot hold up the others. Returns true when the receiver looked unavailable.
   */
  private async deliverBatch(batch: OutboxRow[]): Promise<boolean> {
    const claimedAt = Date.now();
    // Never start a delivery that could outlive the lease (another instance would then send it too).
    const budgetMs = LEASE_MS - this.timeoutMs - 5_000;
    const failed: { row: OutboxRow; error: string }[] = [];
    const unattempted: string[] = [];
    let unavailable = false;

    for (const row of batch) {
      if (unavailable || this.stopped || Date.now() - claimedAt > budgetMs) {
        unattempted.push(row.id);
        continue;
      }
      const outcome = await this.post(row);
      if (outcome.ok) {
        await this.outbox.markDelivered(row.id, this.owner);
      } else {
        failed.push({ row, error: outcome.error });
        unavailable = outcome.unavailable;
      }
    }

    if (failed.length) {
      // One retry time for the whole batch, from its most-retried event, so what is left of the
      // batch is retried together and in id order.
      const delay = backoffMs(Math.max(...failed.map((f) => f.row.attempts)), { baseMs: this.backoffBaseMs, maxMs: this.backoffMaxMs, jitter: WEBHOOK_BACKOFF_JITTER });
      const retryAt = Date.now() + delay;
      for (const { row, error } of failed) {
        await this.outbox.markFailed(row.id, this.owner, Math.max(0, retryAt - Date.now()), error);
        const heldBack = unavailable && row === failed[failed.length - 1].row && unattempted.length ? `; ${unattempted.length} later event(s) held back` : '';
        this.logger.warn(`Webhook ${row.eventType} ${row.eventId} not delivered (attempt ${row.attempts + 1}): ${error}; retrying in ${delay} ms${heldBack}`);
      }
    }
    // Rows not attempted go back (behind the failed ones, if any); failed rows share one retry time.
    if (unattempted.length || failed.length > 1) await this.outbox.releaseAligned([...failed.map((f) => f.row.id), ...unattempted], this.owner);
    if (unavailable) {
      // Pausing until the retried rows are due (by the database's clock) means the next claim takes
      // them together with anything enqueued meanwhile, in id order, instead of newer events first.
      const ms = await this.outbox.msUntilDue(failed.map((f) => f.row.id));
      this.pausedUntil = Date.now() + ms; // Date.now() read after the answer: the pause is never too short.
    }
    return unavailable;
  }

  private async post(row: OutboxRow): Promise<Outcome> {
    const body = JSON.stringify({ id: row.eventId, type: row.eventType, createdAt: row.createdAt.toISOString(), data: row.payload });
    try {
      const res = await fetch(this.config.webhook.url!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'X-Signature': signWebhookPayload({ payload: body, secret: this.config.webhook.secret! }),
          'X-Webhook-Id': row.eventId,
          'X-Webhook-Type': row.eventType,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // The receiver's answer is not used; free the connection.
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      return { ok: false, error: `HTTP ${res.status}`, unavailable: UNAVAILABLE_STATUSES.has(res.status) };
    } catch (err) {
      return { ok: false, error: describeFetchError(err, this.timeoutMs), unavailable: true };
    }
  }
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `timeout after ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return `network error ${cause.code}`;
  return `network error${err instanceof Error ? ` ${err.name}` : ''}`;
}
