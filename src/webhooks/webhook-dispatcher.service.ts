import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { backoffMs } from '../common/backoff.js';
import { deleteInBatches, scheduleRetention } from '../common/retention.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { type OutboxRow, WebhookOutboxRepository } from './webhook-outbox.repository.js';
import { signDelivery } from './webhook-signature.js';

const BATCH_SIZE = 20;
const EXPIRY_BATCH = 100;
const LEASE_MS = 30_000;
const USER_AGENT = 'oauth-connections-webhooks/1.0';
/** Statuses (besides network errors and timeouts) that say "the receiver is unavailable", not "this event is refused". */
const UNAVAILABLE_STATUSES = new Set([408, 429, 502, 503, 504]);
/** Dead letters are kept this long for inspection and redelivery, then deleted (src/common/retention.ts). */
export const DEAD_LETTER_RETENTION_MS = 30 * 24 * 3_600_000;

type Outcome = { ok: true } | { ok: false; error: string; unavailable: boolean; gone: boolean };

/** The delay before an event's next attempt is `backoffBaseMs * 2^attempts`, capped, minus up to this fraction. */
export const WEBHOOK_BACKOFF_JITTER = 0.2;

/** The key of WEBHOOK_URL's enabled state (webhook_endpoint_state): its SHA-256, as the URL may carry credentials. */
export function endpointKey(url: string | undefined): string {
  return createHash('sha256')
    .update(url ?? '')
    .digest('hex');
}

/**
 * Delivers the transactional outbox (webhook_outbox) to WEBHOOK_URL: JSON POSTs signed as Standard
 * Webhooks, retried with exponential backoff until the receiver answers 2xx, in order per connection
 * (only a connection's earliest pending event is ever claimed). Delivery is at least once: receivers
 * dedupe on `webhook-id`. An event still undelivered WEBHOOK_MAX_AGE after it was queued becomes a
 * dead letter; a 410 Gone disables delivery on every instance until an admin re-enables it.
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
  private stopRetention?: () => void;
  /** Cycles run one at a time (timer and drain() share this chain). */
  private chain: Promise<void> = Promise.resolve();
  /** Set when the receiver looked down: no new claims before this time (Date.now() clock). */
  private pausedUntil = 0;
  /** Whether this instance last saw delivery disabled (so each instance says so once, loudly). */
  private sawDisabled = false;
  private readonly urlKey: string;

  constructor(
    private readonly outbox: WebhookOutboxRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.urlKey = endpointKey(config.webhook.url);
  }

  get enabled(): boolean {
    return Boolean(this.config.webhook.url && this.config.webhook.secrets.length);
  }

  private get host(): string {
    return new URL(this.config.webhook.url!).host;
  }

  onApplicationBootstrap(): void {
    if (this.stopped || this.started) return;
    this.started = true;
    // Dead letters outlive a WEBHOOK_URL that was removed: their retention runs either way.
    this.stopRetention = scheduleRetention(this.logger, 'webhook dead letters', () => this.deleteExpired());
    if (!this.enabled) return;
    this.logger.log(`Delivering webhooks to ${this.host}`);
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
    this.stopRetention?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
  }

  /** Runs one poll cycle now, ignoring a pause after failures (due rows only). */
  drain(): Promise<void> {
    return this.runCycle(true);
  }

  /** Events not yet delivered nor dead. */
  pending(): Promise<number> {
    return this.outbox.pendingCount();
  }

  /** Deletes dead letters older than DEAD_LETTER_RETENTION_MS, and the state of URLs no longer configured. */
  async deleteExpired(): Promise<number> {
    const deleted = await deleteInBatches((limit) => this.outbox.deleteDeadBefore(DEAD_LETTER_RETENTION_MS, limit));
    await this.outbox.deleteStaleEndpoints(this.urlKey, DEAD_LETTER_RETENTION_MS);
    return deleted;
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
    await this.deadLetterExpired();
    if (await this.deliveryDisabled()) return;
    if (!force && Date.now() < this.pausedUntil) return;
    this.pausedUntil = 0;
    // Until nothing is due: a delivery makes its connection's next event a head, due at once.
    while (!this.stopped) {
      const batch = await this.outbox.claimDue(this.owner, BATCH_SIZE, LEASE_MS, this.urlKey);
      if (!batch.length || (await this.deliverBatch(batch))) return;
    }
  }

  /** Heads past WEBHOOK_MAX_AGE leave their line as dead letters (also while delivery is disabled), letting the next event of each connection go. */
  private async deadLetterExpired(): Promise<void> {
    const maxAgeMs = this.config.webhook.maxAgeMs;
    let dead = 0;
    for (let round = 0; round < 10 && !this.stopped; round++) {
      const heads = await this.outbox.expiredHeads(maxAgeMs, EXPIRY_BATCH);
      for (const head of heads) {
        if (await this.dataSource.transaction((m) => this.outbox.leaveLine(m, head, { kind: 'dead', maxAgeMs }))) dead++;
      }
      if (heads.length < EXPIRY_BATCH) break;
    }
    if (dead)
      this.logger.warn(
        `${dead} webhook event(s) not delivered within WEBHOOK_MAX_AGE (${Math.round(maxAgeMs / 60_000)} min) became dead letters; see the admin UI (Webhooks) to redeliver them`,
      );
  }

  /** Whether a receiver's 410 Gone stopped delivery (read on every cycle, so every instance stops and resumes together). */
  private async deliveryDisabled(): Promise<boolean> {
    const state = await this.outbox.endpointState(this.urlKey);
    if (state && !this.sawDisabled) {
      this.logger.error(
        `WEBHOOK DELIVERY IS DISABLED: ${this.host} answered 410 Gone (${state.reason}, ${state.disabledAt.toISOString()}). No instance sends webhooks to WEBHOOK_URL until an admin re-enables it (admin UI → Webhooks, or POST /admin/api/webhooks/enable) or WEBHOOK_URL changes. Events are still recorded and become dead letters after WEBHOOK_MAX_AGE.`,
      );
    } else if (!state && this.sawDisabled) {
      this.logger.log(`Webhook delivery to ${this.host} is enabled again`);
    }
    this.sawDisabled = Boolean(state);
    return this.sawDisabled;
  }

  /**
   * Delivers a claimed batch (at most one event per connection), longest-waiting first. When the
   * receiver looks unavailable (network error, timeout, 408/429/502/503/504) or answers 410, the
   * rest of the batch goes back unattempted and no more is claimed for now. Other refusals (4xx, 500)
   * are the event's own: only its connection waits. Returns true when the cycle should stop claiming.
   */
  private async deliverBatch(batch: OutboxRow[]): Promise<boolean> {
    const claimedAt = Date.now();
    // Never start a delivery that could outlive the lease (another instance would then send it too).
    const budgetMs = LEASE_MS - this.timeoutMs - 5_000;
    const unattempted: string[] = [];
    let holdBack = false;

    for (const row of batch) {
      if (holdBack || this.stopped || Date.now() - claimedAt > budgetMs) {
        unattempted.push(row.id);
        continue;
      }
      const outcome = await this.post(row);
      if (outcome.ok) {
        await this.dataSource.transaction((m) => this.outbox.leaveLine(m, row, { kind: 'delivered', owner: this.owner }));
        continue;
      }
      if (outcome.gone) {
        // Disabled first, so no instance claims it once this lease is gone; due again at once for when an admin re-enables delivery.
        await this.disable(row, outcome.error);
        await this.outbox.markFailed(row.id, this.owner, 0, outcome.error);
        holdBack = true;
        continue;
      }
      const delay = backoffMs(row.attempts, { baseMs: this.backoffBaseMs, maxMs: this.backoffMaxMs, jitter: WEBHOOK_BACKOFF_JITTER });
      await this.outbox.markFailed(row.id, this.owner, delay, outcome.error);
      this.logger.warn(
        `Webhook ${row.eventType} ${row.eventId} not delivered (attempt ${row.attempts + 1}): ${outcome.error}; retrying in ${delay} ms; later events of its connection wait`,
      );
      if (outcome.unavailable) {
        holdBack = true;
        this.pausedUntil = Date.now() + delay;
      }
    }
    await this.outbox.release(unattempted, this.owner);
    return holdBack;
  }

  private async disable(row: OutboxRow, error: string): Promise<void> {
    const reason = `${error} to ${row.eventType} ${row.eventId}`;
    if (await this.outbox.disableEndpoint(this.urlKey, reason)) {
      this.sawDisabled = true;
      this.logger.error(
        `WEBHOOK DELIVERY DISABLED: ${this.host} answered 410 Gone to ${row.eventType} ${row.eventId}, so no instance sends it webhooks any more. Re-enable in the admin UI (Webhooks) or with POST /admin/api/webhooks/enable, or configure another WEBHOOK_URL. Events are still recorded and become dead letters after WEBHOOK_MAX_AGE.`,
      );
    }
  }

  private async post(row: OutboxRow): Promise<Outcome> {
    const body = JSON.stringify({ id: row.eventId, type: row.eventType, createdAt: row.createdAt.toISOString(), sequence: row.seq, data: row.payload });
    try {
      const res = await fetch(this.config.webhook.url!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          // A fresh timestamp per attempt: receivers refuse old ones, so a captured delivery cannot be replayed later.
          ...signDelivery(this.config.webhook.secrets, row.eventId, Math.floor(Date.now() / 1000), body),
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
      return {
        ok: false,
        error: res.status === 410 ? 'HTTP 410 Gone' : `HTTP ${res.status}`,
        unavailable: UNAVAILABLE_STATUSES.has(res.status),
        gone: res.status === 410,
      };
    } catch (err) {
      return { ok: false, error: describeFetchError(err, this.timeoutMs), unavailable: true, gone: false };
    }
  }
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `timeout after ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return `network error ${cause.code}`;
  return `network error${err instanceof Error ? ` ${err.name}` : ''}`;
}
