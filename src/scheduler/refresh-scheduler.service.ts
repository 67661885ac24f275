import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Cron, SchedulerRegistry } from '@nestjs/schedule';
import { CronTime } from 'cron';
import { ProviderBreakerService } from '../breaker/provider-breaker.service.js';
import { ENV } from '../config/config.schema.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import type { Connection } from '../connections/connection.entity.js';
import { type ClaimablePlatform, ConnectionStoreService } from '../connections/connection-store.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import { type RefreshAttemptBatch, TokenRefreshService } from '../tokens/token-refresh.service.js';

export type RunReport = { claimed: number; refreshed: number; failed: number; durationMs: number; stoppedByBudget: boolean };

/** The name of the scheduled refresh's cron job in the SchedulerRegistry. */
export const REFRESH_JOB = 'scheduled-refresh';

/**
 * Keeps connections alive for users who are not active: claims due connections in small
 * batches (leases, SKIP LOCKED) so several instances share the work, bounds concurrency overall
 * and per provider, and stops claiming when the run's time budget is spent.
 */
@Injectable()
export class RefreshSchedulerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Scheduler');
  private running?: Promise<RunReport>;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ProviderRegistry,
    private readonly connections: ConnectionStoreService,
    private readonly refresher: TokenRefreshService,
    private readonly schedulerRegistry: SchedulerRegistry,
    private readonly metrics: MetricsService,
    private readonly breaker: ProviderBreakerService,
  ) {}

  /**
   * The cron job. Declared disabled, so ScheduleModule registers it without starting it; bootstrap
   * re-times it from REFRESH_CRON and starts it, or removes it for `off`: it never ticks on the
   * decorator's expression (the schema's default, a placeholder).
   */
  @Cron(ENV.REFRESH_CRON.default, { name: REFRESH_JOB, disabled: true })
  async scheduledRefresh(): Promise<void> {
    await this.runOnce().catch((e: Error) => this.logger.error(`Scheduled refresh failed: ${e.message}`));
  }

  /** Runs after ScheduleModule's own bootstrap (a global module's hooks run first), which registered the job. */
  onApplicationBootstrap(): void {
    const { cron } = this.config.refresh;
    if (!cron) {
      this.schedulerRegistry.deleteCronJob(REFRESH_JOB);
      return;
    }
    const job = this.schedulerRegistry.getCronJob(REFRESH_JOB);
    job.setTime(new CronTime(cron));
    job.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // ScheduleModule stops its jobs before shutdown; this only covers a job still registered.
    if (this.schedulerRegistry.doesExist('cron', REFRESH_JOB)) this.schedulerRegistry.deleteCronJob(REFRESH_JOB);
    await this.running?.catch(() => undefined);
  }

  /** One run; a run already in progress in this process is joined, never overlapped. */
  runOnce(budgetMs = this.config.refresh.runBudgetMs): Promise<RunReport> {
    this.running ??= this.run(budgetMs).finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * A provider whose circuit breaker is open gets one refresh from the scheduler when its probe is
   * due: connections only the scheduler renews (a still-valid token exchanged for a new one) must
   * not wait for a caller to probe. The outcome closes the breaker or schedules the next probe.
   */
  private async probe(platform: ClaimablePlatform, owner: string, report: RunReport, attempts: RefreshAttemptBatch): Promise<void> {
    const gate = this.breaker.gate(platform.platform);
    if (!gate.open || !gate.probeDue) return;
    const probe = await this.breaker.claimProbe(platform.platform);
    if (!probe) return;
    try {
      const claimed = await this.connections.claimDue({ owner, limit: 1, platforms: [platform] });
      report.claimed += claimed.length;
      for (const c of await this.connections.findLeased(claimed, owner)) {
        if (await this.refresher.refreshLeased(c, owner, 'scheduled', attempts)) report.refreshed++;
        else report.failed++;
      }
    } catch (error) {
      this.logger.error(`Scheduled probe of ${platform.platform} failed unexpectedly: ${(error as Error).message}`);
    } finally {
      await this.breaker.releaseProbe(platform.platform, probe);
    }
  }

  private async run(budgetMs: number): Promise<RunReport> {
    const started = Date.now();
    const deadline = started + budgetMs;
    const { concurrency, concurrencyPerProvider } = this.config.refresh;
    // What each provider needs for a refresh without the user comes from its catalogue entry.
    const renewable = new Map(
      this.registry
        .list()
        .filter((p) => p.config.refresh !== 'none')
        .map((p) => [
          p.config.id,
          { platform: p.config.id, needsRefreshToken: p.config.refresh === 'refresh_token', minRefreshAgeMs: p.config.minRefreshAgeMs },
        ]),
    );
    const owner = this.refresher.newOwner();
    const inflight = new Set<Promise<void>>();
    const perPlatform = new Map<string, number>();
    const report: RunReport = { claimed: 0, refreshed: 0, failed: 0, durationMs: 0, stoppedByBudget: false };
    // The run's refresh_log rows, written a batch at a time.
    const attempts = this.refresher.attemptBatch();

    // A slot is taken when a connection is claimed (not later), so the per-provider limit holds.
    const start = (c: Connection) => {
      perPlatform.set(c.platform, (perPlatform.get(c.platform) ?? 0) + 1);
      const task = (async () => {
        try {
          // Its provider's circuit breaker opened since the claim: leave it for a later run.
          if (this.breaker.isOpen(c.platform)) {
            await this.connections.release(c.id, owner);
            return;
          }
          if (await this.refresher.refreshLeased(c, owner, 'scheduled', attempts)) report.refreshed++;
          else report.failed++;
        } finally {
          perPlatform.set(c.platform, perPlatform.get(c.platform)! - 1);
        }
      })().catch((error: Error) => {
        report.failed++;
        this.logger.error(`Scheduled refresh of ${c.id} failed unexpectedly: ${error.message}`);
      });
      inflight.add(task);
      // Bookkeeping only: task already ends in .catch above, so this chain never rejects.
      void task.finally(() => inflight.delete(task));
    };

    for (const platform of renewable.values()) await this.probe(platform, owner, report, attempts);

    for (;;) {
      if (this.stopping) break;
      if (Date.now() >= deadline) {
        report.stoppedByBudget = true;
        break;
      }
      const free = concurrency - inflight.size;
      const open = (ids: string[]) => ids.filter((p) => (perPlatform.get(p) ?? 0) < concurrencyPerProvider);
      let claimed: string[] = [];
      if (free > 0) {
        // Providers whose circuit breaker is open are skipped (only probes go to them).
        const platforms = open([...renewable.keys()]).filter((p) => !this.breaker.isOpen(p));
        if (platforms.length) {
          // One batch never exceeds the room left on any platform it may return rows of.
          const room = Math.min(...platforms.map((p) => concurrencyPerProvider - (perPlatform.get(p) ?? 0)));
          claimed = await this.connections.claimDue({ owner, limit: Math.min(free, room), platforms: platforms.map((p) => renewable.get(p)!) });
        }
      }
      report.claimed += claimed.length;
      if (claimed.length > 0) {
        // The claimed batch is loaded in one query, not one query per connection.
        const leased = await this.connections.findLeased(claimed, owner).catch((error: Error) => {
          report.failed += claimed.length;
          this.logger.error(`Scheduled refresh could not load ${claimed.length} claimed connections: ${error.message}`);
          return [];
        });
        leased.forEach(start);
      }
      if (claimed.length === 0 && inflight.size === 0) break;
      if (inflight.size >= concurrency || claimed.length === 0) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    await attempts.flush();
    report.durationMs = Date.now() - started;
    this.metrics.schedulerRuns.observe(report.durationMs / 1000);
    this.metrics.schedulerRefreshed.inc({ result: 'refreshed' }, report.refreshed);
    this.metrics.schedulerRefreshed.inc({ result: 'failed' }, report.failed);
    if (report.claimed > 0)
      this.logger.log(
        `Scheduled refresh: ${report.refreshed} refreshed, ${report.failed} failed in ${report.durationMs} ms${report.stoppedByBudget ? ' (budget reached)' : ''}`,
      );
    return report;
  }
}
