import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ProviderBreakerService } from '../breaker/provider-breaker.service.js';
import { sleep } from '../common/sleep.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import type { Connection } from '../connections/connection.entity.js';
import { ConnectionStoreService } from '../connections/connection-store.service.js';
import { ConnectionGrantHooks } from '../connections/connection-grant-hooks.service.js';
import { InstancesService } from '../instances/instances.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ProviderError } from '../providers/provider.exception.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import type { TokenSet } from '../providers/provider.types.js';
import { WebhookOutboxService } from '../webhooks/webhook-outbox.service.js';
import { RefreshHistoryRepository, type RefreshTrigger } from './refresh-history.repository.js';
import { RefreshAttemptBatch } from './refresh-attempt-batch.js';
import { RefreshPolicy } from './refresh-policy.js';

export type { RefreshAttemptBatch } from './refresh-attempt-batch.js';

// Operator errors (our credentials, our key ring) are retried slowly and never blamed on the user.
const OPERATOR_RETRY_MS = 5 * 60_000;

/** Waiting for a live holder's lease took longer than one provider call can take (PROVIDER_HTTP_TIMEOUT_MS). */
export class RefreshInProgressError extends ProviderError {
  constructor() {
    super('transient', 'refresh: another instance is still refreshing this connection');
  }
}

/** Failure classes that say the provider itself is failing (they count against its circuit breaker). */
const PROVIDER_DOWN = new Set(['transient', 'rate_limited']);

export type RefreshOptions = { force?: boolean; windowMs?: number; floorMs?: number };

/**
 * Refreshes one connection at a time, everywhere: callers in this process share one in-flight
 * refresh; across processes a lease (owner + 30 s expiry, released only by its owner) makes
 * the others wait and then read the result. A lease whose owner's instance stopped heartbeating
 * is taken over at once. Tokens are persisted before anyone can use them.
 */
@Injectable()
export class TokenRefreshService {
  private readonly logger = new Logger('TokenRefresh');
  private readonly inflight = new Map<string, Promise<Connection>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ProviderRegistry,
    private readonly connections: ConnectionStoreService,
    private readonly history: RefreshHistoryRepository,
    private readonly outbox: WebhookOutboxService,
    private readonly metrics: MetricsService,
    private readonly instances: InstancesService,
    private readonly breaker: ProviderBreakerService,
    private readonly hooks: ConnectionGrantHooks,
  ) {}

  /** A lease owner naming this instance (its heartbeat tells others whether the holder lives). */
  newOwner(): string {
    return this.instances.newOwner();
  }

  /**
   * Refreshes (or waits for the refresh in progress) and returns the connection as stored afterwards.
   * `floorMs`: not if a refresh of it failed at the provider less than this long ago (REFRESH_RETRY_FLOOR).
   * Throws RefreshInProgressError when a live holder's lease outlasted PROVIDER_HTTP_TIMEOUT_MS.
   */
  refresh(connectionId: string, trigger: RefreshTrigger, opts: RefreshOptions = {}): Promise<Connection> {
    const existing = this.inflight.get(connectionId);
    if (existing) return existing;
    const run = this.refreshAcrossProcesses(connectionId, trigger, opts).finally(() => this.inflight.delete(connectionId));
    this.inflight.set(connectionId, run);
    return run;
  }

  private async refreshAcrossProcesses(id: string, trigger: RefreshTrigger, opts: RefreshOptions): Promise<Connection> {
    const start = await this.connections.leaseState(id);
    if (!start) return this.reload(id);
    // A live holder is waited for as long as its provider call can take; a dead one not at all.
    const deadline = Date.now() + this.config.providerHttp.timeoutMs;
    let deadOwner: string | undefined;
    for (;;) {
      const owner = this.newOwner();
      const leased = await this.connections.tryAcquire(id, owner, deadOwner);
      if (leased) {
        if (deadOwner)
          this.logger.warn(`Took over the refresh lease of connection ${id} from a dead instance (${deadOwner.split(':')[0]})`, { connectionId: id });
        // Another process may have refreshed (or tried) between our read and the lease.
        const refreshedMeanwhile = leased.tokenVersion !== start.tokenVersion;
        const triedMeanwhile =
          opts.floorMs !== undefined && leased.refreshAttemptedAt !== null && Date.now() - leased.refreshAttemptedAt.getTime() < opts.floorMs;
        if (refreshedMeanwhile || triedMeanwhile || (!opts.force && opts.windowMs !== undefined && !RefreshPolicy.expiresWithin(leased, opts.windowMs))) {
          await this.connections.release(id, owner);
          return this.reload(id);
        }
        return this.refreshHolding(leased, owner, trigger);
      }
      const state = await this.connections.leaseState(id);
      if (!state || state.status !== 'active' || state.tokenVersion !== start.tokenVersion) return this.reload(id);
      if (state.leaseOwner === null) return this.reload(id); // the holder finished without new tokens (a failure): report it
      if (await this.instances.holderIsDead(state.leaseOwner)) {
        deadOwner = state.leaseOwner;
        continue;
      }
      deadOwner = undefined;
      if (Date.now() > deadline) throw new RefreshInProgressError();
      await sleep(50 + Math.random() * 100);
    }
  }

  /** Called with the lease held by `owner` (lazy path above, or a scheduler claim); returns the connection as stored afterwards. */
  async refreshHolding(c: Connection, owner: string, trigger: RefreshTrigger): Promise<Connection> {
    await this.refreshLeased(c, owner, trigger);
    return this.reload(c.id);
  }

  /**
   * The refresh itself, with the lease held by `owner`: true when newer tokens than `c`'s are
   * stored afterwards. With `attempts` (a scheduler run), a success that has nothing else to write
   * is one statement, its refresh_log row going with the run's batch.
   */
  async refreshLeased(c: Connection, owner: string, trigger: RefreshTrigger, attempts?: RefreshAttemptBatch): Promise<boolean> {
    const started = Date.now();
    let tokens: TokenSet;
    try {
      const provider = this.registry.get(c.platform);
      tokens = await provider.adapter.refresh({ accessToken: c.accessToken.reveal(), refreshToken: c.refreshToken?.reveal() ?? null });
    } catch (error) {
      this.metrics.refreshDuration.observe({ platform: c.platform }, (Date.now() - started) / 1000);
      await this.handleFailure(c, owner, trigger, error, Date.now() - started);
      return false;
    }
    this.metrics.refreshDuration.observe({ platform: c.platform }, (Date.now() - started) / 1000);
    this.metrics.refreshes.inc({ platform: c.platform, trigger, outcome: 'success' });
    await this.breaker.record(c.platform, true);
    const attempt = { connectionId: c.id, platform: c.platform, trigger, outcome: 'success', durationMs: Date.now() - started } as const;
    let saved: boolean;
    if (attempts && c.consecutiveFailures === 0) {
      saved = await this.connections.saveRefreshed(this.dataSource.manager, c, tokens);
      attempts.add(attempt);
    } else {
      saved = await this.dataSource.transaction(async (m) => {
        const ok = await this.connections.saveRefreshed(m, c, tokens);
        await this.history.recordAttempt(m, attempt);
        if (ok && c.consecutiveFailures > 0) {
          await this.outbox.enqueue(m, 'connection.recovered', {
            connectionId: c.id,
            userId: c.userId,
            platform: c.platform,
            accountId: c.accountId,
            status: 'active',
          });
        }
        return ok;
      });
    }
    if (saved) await this.hooks.granted({ connectionId: c.id, userId: c.userId, platform: c.platform, how: 'refreshed' });
    else {
      // Our lease expired and someone else wrote newer tokens; theirs win, ours are dropped.
      this.logger.warn(`Refresh of ${c.platform} connection ${c.id} finished after its lease expired; keeping the newer tokens`, { platform: c.platform });
      await this.connections.release(c.id, owner);
    }
    return true;
  }

  /** A refresh_log batch for a scheduler run (flush it at the end). */
  attemptBatch(): RefreshAttemptBatch {
    return new RefreshAttemptBatch(this.history, this.logger);
  }

  private async handleFailure(c: Connection, owner: string, trigger: RefreshTrigger, error: unknown, durationMs: number): Promise<void> {
    const pe = error instanceof ProviderError ? error : undefined;
    const failureClass = pe?.failureClass ?? (error instanceof Error && error.name === 'DecryptionError' ? 'undecryptable' : 'internal');
    const code = pe?.details.providerCode;
    const message = error instanceof Error ? error.message : String(error);
    const base = { connectionId: c.id, platform: c.platform, userId: c.userId };
    this.metrics.refreshes.inc({ platform: c.platform, trigger, outcome: failureClass });
    // The provider's own answers (invalid_grant, malformed...) say it is up; our own errors say nothing about it.
    if (pe) await this.breaker.record(c.platform, !PROVIDER_DOWN.has(failureClass));
    await this.dataSource.transaction(async (m) => {
      await this.history.recordFailure(m, { ...base, trigger, failureClass, providerCode: code, httpStatus: pe?.details.status, message });
      await this.history.recordAttempt(m, { connectionId: c.id, platform: c.platform, trigger, outcome: 'failure', durationMs });
      if (failureClass === 'invalid_grant') {
        if (await this.connections.markNeedsReauth(m, c, { failureClass, code })) {
          await this.outbox.enqueue(m, 'connection.reauth_required', {
            ...base,
            accountId: c.accountId,
            status: 'needs_reauth',
            failureClass,
            providerError: code ?? null,
          });
        }
        return;
      }
      const operatorError = failureClass === 'invalid_client' || failureClass === 'undecryptable' || failureClass === 'internal';
      const retryIn = operatorError ? OPERATOR_RETRY_MS : RefreshPolicy.backoffMs(c.consecutiveFailures + 1, pe?.details.retryAfterMs);
      const failures = await this.connections.recordFailure(m, c, owner, {
        failureClass,
        code,
        retryAt: new Date(Date.now() + retryIn),
        countAgainstConnection: !operatorError,
      });
      if (!operatorError && failures === 1) {
        await this.outbox.enqueue(m, 'connection.refresh_failed', {
          ...base,
          accountId: c.accountId,
          status: 'active',
          failureClass,
          providerError: code ?? null,
          consecutiveFailures: failures,
        });
      }
    });
    if (failureClass === 'invalid_grant') {
      this.logger.warn(`${c.platform} rejected the grant of connection ${c.id}; it needs re-authorisation`, {
        platform: c.platform,
        connectionId: c.id,
        providerError: code,
      });
    } else if (failureClass === 'invalid_client') {
      this.logger.error(
        `${c.platform} rejected OUR client credentials while refreshing: fix the ${c.platform} clientId/clientSecret. Connections are not blamed.`,
        { platform: c.platform },
      );
    } else if (failureClass === 'undecryptable' || failureClass === 'internal') {
      this.logger.error(`Refresh of connection ${c.id} failed inside this service: ${message}`, { platform: c.platform, connectionId: c.id });
    } else {
      this.logger.warn(`Refresh of ${c.platform} connection ${c.id} failed (${failureClass}); backing off`, {
        platform: c.platform,
        connectionId: c.id,
        providerError: code,
      });
    }
  }

  private reload(id: string): Promise<Connection> {
    return this.connections.findByIdOrFail(id);
  }
}
