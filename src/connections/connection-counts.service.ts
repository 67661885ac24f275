import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { BackgroundJobsService, type JobRun, type SharedSnapshot, type Snapshot } from '../jobs/background-jobs.service.js';
import { ConnectionAdminQueryRepository, type PlatformCounts } from './connection-admin-query.repository.js';

export type { PlatformCounts } from './connection-admin-query.repository.js';

/** At most every 30 s across instances; each instance looks every 10 s whether it is due. */
export const CONNECTION_COUNTS = { everyMs: 30_000, tickMs: 10_000, leaseMs: 5 * 60_000 } as const;

/**
 * Connections by platform and status (total, active, expiring, due for refresh, failing,
 * needs reauth): one scan of the table, by one instance at a time at most every 30 s, stored for
 * every instance (background_jobs `connection-counts`). The admin summary and the gauges read it.
 */
@Injectable()
export class ConnectionCountsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ConnectionCounts');
  private readonly snapshot: SharedSnapshot<PlatformCounts[]>;
  private stop?: () => Promise<void>;

  constructor(jobs: BackgroundJobsService, queries: ConnectionAdminQueryRepository) {
    this.snapshot = jobs.snapshot('connection-counts', CONNECTION_COUNTS, () => queries.countsByPlatform());
  }

  /** The latest counts, at most about 40 s old (computed now on a database that has none yet). */
  latest(): Promise<Snapshot<PlatformCounts[]>> {
    return this.snapshot.read();
  }

  /** Recounts when the last count is older than 30 s (`force`: now); not while another instance counts. */
  refresh(options: { force?: boolean } = {}): Promise<JobRun<PlatformCounts[]>> {
    return this.snapshot.refresh(options);
  }

  onApplicationBootstrap(): void {
    this.stop = this.snapshot.start(this.logger);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop?.();
  }
}
