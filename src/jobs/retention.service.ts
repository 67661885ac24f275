import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { deleteInBatches, RETENTION, scheduleRetention } from '../common/retention.js';
import { BackgroundJobsService } from './background-jobs.service.js';

/** One table's retention, registered by the table's owner: its delete lives in the owner's repository. */
export type RetentionRule = {
  /** The table (names the job, `retention:<table>`). */
  table: string;
  /** Deletes up to `limit` rows past their age, index-served; returns how many. */
  deleteBatch: (limit: number) => Promise<number>;
  /** Rows per statement (default RETENTION.batch). */
  batch?: number;
  /** Statements per run at most (default RETENTION.maxBatches); a run also stops after RETENTION.budgetMs. */
  maxBatches?: number;
};

/** Rows deleted per table in one pass, `skipped` when another instance ran (or runs) it, `failed` (logged). */
export type RetentionReport = Record<string, number | 'skipped' | 'failed'>;

/**
 * Deletes rows past their age for every registered table, every RETENTION.intervalMs, in small
 * batches (no long locks), each table on one instance at a time and at most once per interval
 * across instances (BackgroundJobsService).
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private readonly rules = new Map<string, RetentionRule>();
  private stop?: () => void;
  private running?: Promise<RetentionReport>;

  constructor(private readonly jobs: BackgroundJobsService) {}

  /** Called by each owner at module init. */
  register(rule: RetentionRule): void {
    this.rules.set(rule.table, rule);
  }

  /**
   * One pass over every table, one table after the other. `force` ignores when the last run
   * finished (never the lease: a run elsewhere is still skipped).
   */
  runAll(options: { force?: boolean } = {}): Promise<RetentionReport> {
    this.running ??= this.pass(options.force ?? false).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(force: boolean): Promise<RetentionReport> {
    const report: RetentionReport = {};
    // Slightly under the interval, so timers of different instances drifting apart never skip a round.
    const everyMs = force ? 0 : RETENTION.intervalMs - 60_000;
    for (const rule of this.rules.values()) {
      try {
        const run = await this.jobs.runExclusive(`retention:${rule.table}`, { everyMs, leaseMs: RETENTION.budgetMs + 60_000 }, () =>
          deleteInBatches(rule.deleteBatch, rule.batch ?? RETENTION.batch, rule.maxBatches ?? RETENTION.maxBatches, RETENTION.budgetMs),
        );
        report[rule.table] = run.ran ? run.result : 'skipped';
        if (run.ran && run.result > 0) this.logger.log(`Deleted ${run.result} rows of ${rule.table} past their retention`);
      } catch (error) {
        // One table's failure (a timeout, a lock) does not hold up the others.
        report[rule.table] = 'failed';
        this.logger.warn(`Deleting expired rows of ${rule.table} failed: ${(error as Error).message}`);
      }
    }
    return report;
  }

  onApplicationBootstrap(): void {
    this.stop = scheduleRetention(this.logger, 'rows', () => this.runAll());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stop?.();
    await this.running?.catch(() => undefined);
  }
}
