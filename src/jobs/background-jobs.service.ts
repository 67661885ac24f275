import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { BackgroundJobRepository, type FinishedJob } from './background-job.repository.js';

export type { FinishedJob };

export type JobOptions = {
  /** A run starts only when the last one (on any instance) finished at least this long ago. */
  everyMs: number;
  /** A run holds the job this long at most: a crashed instance blocks it no longer. Longer than any run. */
  leaseMs: number;
};

export type JobRun<T> = { ran: true; result: T } | { ran: false };

/**
 * Background work that must run on one instance at a time and at most every so often across all
 * of them (retention deletes, counts too costly for a request), coordinated through a lease row in
 * background_jobs rather than an advisory lock: a session-level lock does not survive PgBouncer's
 * transaction mode, and a transaction-level one would keep a transaction open across the whole run.
 */
@Injectable()
export class BackgroundJobsService {
  constructor(private readonly jobs: BackgroundJobRepository) {}

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
}
