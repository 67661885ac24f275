import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { BackgroundJobsService, type JobRun, type SharedSnapshot, type Snapshot } from '../jobs/background-jobs.service.js';
import { EncryptedColumnRepository } from './encrypted-column.repository.js';

/**
 * The background job (background_jobs name) holding the values per key id: recounted every
 * 10 minutes by one instance, and stored by `keys:rotate` when it finishes (KeyRotationService).
 */
export const KEY_USAGE_JOB = 'key-usage';
export const KEY_USAGE = { everyMs: 10 * 60_000, tickMs: 60_000, leaseMs: 30 * 60_000 } as const;

/** Which keys the stored ciphertexts use (the admin summary; rotation progress is KeyRotationService's). */
@Injectable()
export class KeyUsageService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('KeyUsage');
  private readonly snapshot: SharedSnapshot<Record<string, number>>;
  private stop?: () => Promise<void>;

  constructor(jobs: BackgroundJobsService, encrypted: EncryptedColumnRepository) {
    // A scan of every encrypted column: never per request.
    this.snapshot = jobs.snapshot(KEY_USAGE_JOB, KEY_USAGE, () => encrypted.valuesByKeyId());
  }

  /** Encrypted values per key id over every encrypted column, as last counted. */
  valuesByKeyId(): Promise<Snapshot<Record<string, number>>> {
    return this.snapshot.read();
  }

  /** Recounts when the last count is older than 10 minutes (`force`: now); not while another instance counts. */
  refresh(options: { force?: boolean } = {}): Promise<JobRun<Record<string, number>>> {
    return this.snapshot.refresh(options);
  }

  onApplicationBootstrap(): void {
    this.stop = this.snapshot.start(this.logger);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop?.();
  }
}
