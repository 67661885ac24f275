import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { InstancesService } from '../instances/instances.service.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import { addOutcomes, BREAKER, lastWindow, shouldOpen } from './breaker-policy.js';
import type { BreakerGate, BreakerView } from './breaker.types.js';
import { type BreakerRow, ProviderBreakerRepository } from './provider-breaker.repository.js';

/** One breaker as this instance last read it; times in this process's clock. */
type Cached = { open: boolean; probeAt: number; probing: boolean };

/**
 * Per-provider circuit breakers shared by every instance through provider_breakers. Each instance
 * counts its refresh outcomes in memory and adds them to the shared window once a second (within
 * 100 ms of a failure); the same tick reads every breaker, so the hot path asks only memory. While a
 * breaker is open, one probe at a time (claimed in the database) may refresh, every
 * BREAKER.probeIntervalMs; the first refresh the provider answers closes it.
 */
@Injectable()
export class ProviderBreakerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Breaker');
  private cache = new Map<string, Cached>();
  private readonly pending = new Map<string, { attempts: number; failures: number }>();
  /** Probes this instance holds, by platform. */
  private readonly probes = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private soon?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly breakers: ProviderBreakerRepository,
    private readonly instances: InstancesService,
    private readonly registry: ProviderRegistry,
  ) {}

  /** The hot path: whether refreshes of `platform` may be sent now, from memory. */
  gate(platform: string, now = Date.now()): BreakerGate {
    const b = this.cache.get(platform);
    if (!b?.open) return { open: false };
    return { open: true, retryInMs: Math.max(0, b.probeAt - now), probeDue: now >= b.probeAt && !b.probing };
  }

  isOpen(platform: string): boolean {
    return this.cache.get(platform)?.open ?? false;
  }

  /**
   * The outcome of one refresh sent to the provider: `answered` when it gave an answer (tokens, or a
   * refusal such as invalid_grant), false when it failed transiently (5xx, timeout, network, 429).
   * Never throws.
   */
  async record(platform: string, answered: boolean): Promise<void> {
    try {
      const probe = this.probes.get(platform);
      if (answered && (this.isOpen(platform) || probe)) {
        this.probes.delete(platform);
        const row = await this.breakers.close(platform);
        if (row) {
          this.logger.log(`Circuit breaker of ${platform} closed: the provider answers again`, { platform });
          this.apply(row);
        }
        return;
      }
      if (!answered && probe) {
        this.probes.delete(platform);
        const row = await this.breakers.endProbe(platform, probe, true);
        if (row) this.apply(row);
        return;
      }
      const counts = this.pending.get(platform) ?? { attempts: 0, failures: 0 };
      counts.attempts += 1;
      if (!answered) counts.failures += 1;
      this.pending.set(platform, counts);
      if (!answered) this.syncSoon();
    } catch (error) {
      this.logger.warn(`Circuit breaker of ${platform}: recording a refresh outcome failed: ${(error as Error).message}`, { platform });
    }
  }

  /** Claims the probe of an open breaker (one instance, one caller at a time); the owner is passed to releaseProbe. */
  async claimProbe(platform: string): Promise<string | null> {
    const owner = `${this.instances.newOwner()}:probe`;
    const row = await this.breakers.claimProbe(platform, owner, 2 * this.config.providerHttp.timeoutMs + 5_000);
    if (!row) {
      // Someone else probes (or the breaker closed): read again so callers get the right answer.
      await this.sync();
      return null;
    }
    this.probes.set(platform, owner);
    this.apply(row);
    return owner;
  }

  /** After the probe's refresh: if no outcome was recorded (nothing was sent), the probe is free again. */
  async releaseProbe(platform: string, owner: string): Promise<void> {
    if (this.probes.get(platform) !== owner) return;
    this.probes.delete(platform);
    const row = await this.breakers.endProbe(platform, owner, false).catch(() => undefined);
    if (row) this.apply(row);
  }

  /** Every enabled provider's breaker, read now (admin summary, /metrics). */
  async states(): Promise<BreakerView[]> {
    const rows = new Map((await this.breakers.all()).map((r) => [r.platform, r]));
    return this.registry
      .list()
      .map((p) => p.config.id)
      .sort()
      .map((platform) => {
        const r = rows.get(platform);
        if (!r) return { platform, state: 'closed', openedAt: null, nextProbeAt: null, recentAttempts: 0, recentFailures: 0 };
        const now = new Date(r.db_now).getTime();
        const recent = lastWindow(windowOf(r), now);
        const probing = r.probe_owner !== null && r.probe_expires_at !== null && new Date(r.probe_expires_at).getTime() > now;
        return {
          platform,
          state: r.state === 'closed' ? 'closed' : probing ? 'half_open' : 'open',
          openedAt: r.opened_at && new Date(r.opened_at),
          nextProbeAt: r.state === 'open' && r.next_probe_at ? new Date(r.next_probe_at) : null,
          recentAttempts: Math.round(recent.attempts),
          recentFailures: Math.round(recent.failures),
        };
      });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => void this.sync(), BREAKER.syncMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.syncing;
  }

  private syncSoon(): void {
    if (this.soon || this.stopped) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.sync();
    }, BREAKER.flushSoonMs);
    this.soon.unref();
  }

  /** Writes the counts gathered since the last sync, then reads every breaker. One sync at a time; never throws. */
  sync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.syncing ??= this.syncOnce()
      .catch((error: Error) => this.logger.warn(`Circuit breakers: syncing with the database failed: ${error.message}`))
      .finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    for (const [platform, counts] of [...this.pending]) {
      this.pending.delete(platform);
      try {
        await this.addOutcomes(platform, counts);
      } catch (error) {
        // Kept for the next sync (the database may be away).
        const later = this.pending.get(platform) ?? { attempts: 0, failures: 0 };
        this.pending.set(platform, { attempts: later.attempts + counts.attempts, failures: later.failures + counts.failures });
        throw error;
      }
    }
    const rows = await this.breakers.all();
    const next = new Map<string, Cached>();
    for (const r of rows) next.set(r.platform, toCached(r));
    this.cache = next;
  }

  private async addOutcomes(platform: string, counts: { attempts: number; failures: number }): Promise<void> {
    const row = await this.dataSource.transaction(async (m) => {
      const r = await this.breakers.lock(m, platform);
      const now = new Date(r.db_now).getTime();
      const w = addOutcomes(windowOf(r), now, counts.attempts, counts.failures);
      const open = r.state === 'closed' && shouldOpen(w, now);
      const saved = await this.breakers.saveWindow(
        m,
        platform,
        open ? { startedAt: new Date(now), attempts: 0, failures: 0, previousAttempts: 0, previousFailures: 0 } : { ...w, startedAt: new Date(w.startedAt) },
        open,
      );
      if (open) {
        const recent = lastWindow(w, now);
        this.logger.warn(
          `Circuit breaker of ${platform} OPEN: ${Math.round(recent.failures)} of ${Math.round(recent.attempts)} refreshes failed in the last ${BREAKER.windowMs / 1000} s; one probe every ${BREAKER.probeIntervalMs / 1000} s until one succeeds`,
          { platform },
        );
      }
      return saved;
    });
    this.apply(row);
  }

  private apply(row: BreakerRow): void {
    this.cache.set(row.platform, toCached(row));
  }
}

function windowOf(r: BreakerRow) {
  return {
    startedAt: new Date(r.window_started_at).getTime(),
    attempts: r.attempts,
    failures: r.failures,
    previousAttempts: r.previous_attempts,
    previousFailures: r.previous_failures,
  };
}

/** The database's times in this process's clock (the row carries the database's now()). */
function toCached(r: BreakerRow): Cached {
  const dbNow = new Date(r.db_now).getTime();
  const local = (t: Date | null) => (t === null ? 0 : Date.now() + (new Date(t).getTime() - dbNow));
  const probing = r.probe_owner !== null && r.probe_expires_at !== null && new Date(r.probe_expires_at).getTime() > dbNow;
  return { open: r.state === 'open', probeAt: local(r.next_probe_at), probing };
}
