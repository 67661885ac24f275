import type { Logger } from '@nestjs/common';
import type { RefreshAttempt, RefreshHistoryRepository } from './refresh-history.repository.js';

/**
 * The refresh_log rows of one scheduler run, written `size` at a time in one statement instead of
 * one per refresh (the log feeds the admin charts: a crash loses at most one batch). Flushed at the
 * end of the run.
 */
export class RefreshAttemptBatch {
  private rows: (RefreshAttempt & { occurredAt: Date })[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly history: RefreshHistoryRepository,
    private readonly logger: Logger,
    private readonly size = 100,
  ) {}

  add(attempt: RefreshAttempt): void {
    this.rows.push({ ...attempt, occurredAt: new Date() });
    if (this.rows.length >= this.size) void this.flush();
  }

  /** Writes what is buffered (after any write in progress); never rejects. */
  flush(): Promise<void> {
    const rows = this.rows;
    this.rows = [];
    if (rows.length === 0) return this.writing;
    this.writing = this.writing.then(() =>
      this.history.recordAttempts(rows).catch((error: Error) => this.logger.error(`Could not write ${rows.length} refresh_log rows: ${error.message}`)),
    );
    return this.writing;
  }
}
