import { randomUUID } from 'node:crypto';
import { Injectable, type Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { BackgroundJobRepository, type FinishedJob } from './background-job.repository.js';

export type { FinishedJob };

export type JobOptions = {
  /** A run starts only when the last one (on any instance) finished at least this long ago. */
  everyMs: number;
  /** A run holds the job this long at most: a crashed instance blocks it no longer. Longer than any run. */
  leaseMs: number;
};

export type JobRun<T> = { ran: true; result: T } | { ran: false };

export type SnapshotOptions = JobOptions & {
  /** How often each instance looks whether the snapshot is due (one UPDATE that matches nothing when it is not). */
  tickMs: number;
};

/** A stored result and when it was computed (the database's clock). */
export type Snapshot<T> = { value: T; computedAt: Date };

/**
 * Background work that must run on one instance at a time and at most every so often across all
 * of them (retention deletes, counts too costly for a request), coordinated through a lease row in
 * background_jobs rather than an advisory lock: a session-level lock does not survive PgBouncer's
 * transaction mode, and a transaction-level one would keep a transaction open across the whole run.
 */
@Injectable()
export class BackgroundJobsService {
  constructor(private readonly jobs: BackgroundJobRepository) {}

  /** Outside the app (the key-rotation command): the same jobs on `dataSource`. */
  static forDataSource(dataSource: DataSource): BackgroundJobsService {
    return new BackgroundJobsService(new BackgroundJobRepository(dataSource));
  }

  /** Runs `job` unless another run of `name` holds the lease or the last one finished too recently. */
  async runExclusive<T>(name: string, options: JobOptions, job: () => Promise<T>): Promise<JobRun<T>> {
    const owner = `job-${randomUUID()}`;
    if (!(await this.jobs.tryLease(name, owner, options.leaseMs, options.everyMs))) return { ran: false };
    let result: T;
    try {
      result = await job();
    } catch (error) {
      await this.jobs.release(name, owner).catch(() => undefined);
      throw error;
    }
    await this.jobs.finish(name, owner, result);
    return { ran: true, result };
  }

  /** The result of the last finished run of `name`, from any instance. */
  latest<T>(name: string): Promise<FinishedJob<T> | undefined> {
    return this.jobs.latest<T>(name);
  }

  /** Stores `result` as the latest run of `name` (computed elsewhere); a run in progress cannot overwrite it. */
  store(name: string, result: unknown): Promise<void> {
    return this.jobs.store(name, result);
  }

  /** A value computed by `compute` in the background, shared by every instance (see SharedSnapshot). */
  snapshot<T>(name: string, options: SnapshotOptions, compute: () => Promise<T>): SharedSnapshot<T> {
    return new SharedSnapshot(this, name, options, compute);
  }
}

/**
 * A figure too costly to compute per request (counts over a large table): one instance at a time
 * computes it, at most every `everyMs`, and stores it in background_jobs; requests on every
 * instance read the stored value, so they all serve the same figures whatever the table's size.
 * Its owner calls `start` at bootstrap and the returned stop function before shutdown.
 */
export class SharedSnapshot<T> {
  private first?: Promise<Snapshot<T>>;

  constructor(
    private readonly jobs: BackgroundJobsService,
    readonly name: string,
    private readonly options: SnapshotOptions,
    private readonly compute: () => Promise<T>,
  ) {}

  /** Recomputes and stores the value if the last one (any instance's) is older than `everyMs`, or whatever its age with `force`; not while another instance computes it. */
  refresh(options: { force?: boolean } = {}): Promise<JobRun<T>> {
    return this.jobs.runExclusive(this.name, { everyMs: options.force ? 0 : this.options.everyMs, leaseMs: this.options.leaseMs }, this.compute);
  }

  /** The stored value; computed now when none was ever stored (a new database). */
  async read(): Promise<Snapshot<T>> {
    const latest = await this.jobs.latest<T>(this.name);
    if (latest) return { value: latest.result, computedAt: latest.finishedAt };
    this.first ??= this.computeFirst().finally(() => (this.first = undefined));
    return this.first;
  }

  private async computeFirst(): Promise<Snapshot<T>> {
    const run = await this.refresh({ force: true });
    const stored = run.ran ? await this.jobs.latest<T>(this.name) : undefined;
    if (stored) return { value: stored.result, computedAt: stored.finishedAt };
    // Another instance is computing the first one: compute it here too, this once, without storing it.
    return { value: await this.compute(), computedAt: new Date() };
  }

  /**
   * Refreshes when due, every `tickMs`, in the background; a failure is logged, never thrown. The
   * stop function waits for a run in progress (call it before the database pool closes).
   */
  start(logger: Logger): () => Promise<void> {
    let running: Promise<void> | undefined;
    const timer = setInterval(() => {
      running ??= this.refresh()
        .then(
          () => undefined,
          (error: unknown) => logger.warn(`Computing ${this.name} failed: ${(error as Error).message}`),
        )
        .finally(() => (running = undefined));
    }, this.options.tickMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await running;
    };
  }
}
