import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { NextRefreshRepository } from './next-refresh.repository.js';

const BATCH = 5_000;

/**
 * `next_refresh_at` follows SCHEDULED_REFRESH_WINDOW and REFRESH_IDLE_MAX, which the database's
 * trigger function holds as literals: at startup, when they (or the rule) changed, the function is
 * reinstalled and every row recomputed, in short batches, in the background.
 */
@Injectable()
export class NextRefreshService implements OnApplicationBootstrap {
  private readonly logger = new Logger('NextRefresh');
  /** The startup reconciliation (tests wait for it). */
  settled: Promise<void> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: NextRefreshRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.settled = this.reconcile().then(
      () => undefined,
      (error: Error) => this.logger.error(`Could not install the next_refresh_at rule for these settings: ${error.message}`),
    );
  }

  /** Installs the rule for the current settings when it differs; returns how many rows were recomputed. */
  async reconcile(): Promise<number> {
    const settings = this.config.refresh;
    if (!(await this.repo.install(settings))) return 0;
    const started = Date.now();
    let rows = 0;
    for (let after = '00000000-0000-0000-0000-000000000000'; ;) {
      const batch = await this.repo.recomputeBatch(settings, after, BATCH);
      if (batch.n === 0 || !batch.last) break;
      rows += batch.n;
      after = batch.last;
    }
    this.logger.log(`Refresh schedule recomputed for the current settings: ${rows} connections in ${Date.now() - started} ms`);
    return rows;
  }
}
