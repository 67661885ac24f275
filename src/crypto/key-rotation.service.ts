import type { DataSource } from 'typeorm';
import { likeEscape } from '../common/like-escape.js';
import { sleep } from '../common/sleep.js';
import { BackgroundJobsService } from '../jobs/background-jobs.service.js';
import { DecryptionError } from './crypto.exception.js';
import { type EncryptedColumnRef, EncryptedColumnRepository, type RotationBatchRow } from './encrypted-column.repository.js';
import type { KeyRing } from './key-ring.js';
import { KEY_USAGE_JOB } from './key-usage.service.js';

export type { EncryptedColumnRef, RotationBatchRow };

export type RotationProgress = { table: string; column: string; done: number; total: number };

export type RotationOptions = {
  /** Rows read and written per statement (default 500). */
  batchSize?: number;
  /** Pause between batches, to leave the database to the service on a busy system (default 0). */
  pauseMs?: number;
  /** Called after every batch. An exception stops the run (it resumes where it stopped when run again). */
  onProgress?: (progress: RotationProgress) => void | Promise<void>;
};

/** A value that could not be decrypted. Names the row, never the value. */
export type UndecryptableValue = { table: string; column: string; id: string; reason: DecryptionError['reason']; kid?: string };

export type RotationResult = {
  currentKid: string;
  /** Values rewritten under the current key. */
  reencrypted: number;
  /** Values changed by someone else (a refresh, a reconnect) between our read and our write: left as they are. */
  skipped: number;
  /** Values no key of the ring decrypts (unknown key id, tampered or malformed). Left as they are. */
  undecryptable: number;
  /** The first MAX_REPORTED undecryptable values (row ids only). */
  failures: UndecryptableValue[];
  /** Encrypted values per key id after the run, current key included (stored for GET /admin/api/summary to show). */
  remaining: Record<string, number>;
  durationMs: number;
};

const MAX_REPORTED = 100;

/**
 * Re-encrypts every encrypted value with the key ring's current key, online:
 * - it only ever selects values not yet under the current key, walking each table by primary key
 *   (keyset), so it always progresses and a rerun after a crash resumes with what is left;
 * - each batch is one SELECT and one UPDATE statement, no transaction spans batches, and a row is
 *   rewritten only while it still holds the value that was read (`AND col = old`), so a token a
 *   refresh or a reconnect wrote meanwhile (already under the current key) is never overwritten;
 * - a value stays readable throughout: before and after its UPDATE it is under a key of the ring.
 * Every instance of the service must already run with the new key ring (new key first, old key
 * kept) before rotating, or an instance without the new key cannot read rotated values.
 * Plain class: used by the `keys:rotate` CLI and by tests with the app's DataSource and KeyRing.
 */
export class KeyRotationService {
  private readonly values: EncryptedColumnRepository;
  private readonly jobs: BackgroundJobsService;

  constructor(
    dataSource: DataSource,
    private readonly ring: KeyRing,
  ) {
    this.values = new EncryptedColumnRepository(dataSource);
    this.jobs = BackgroundJobsService.forDataSource(dataSource);
  }

  /** Every column of every entity that uses the encrypted-column transformer. */
  encryptedColumns(): EncryptedColumnRef[] {
    return this.values.columns();
  }

  async rotate(options: RotationOptions = {}): Promise<RotationResult> {
    const batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error('batchSize must be an integer from 1 to 10000');
    const started = Date.now();
    const result: RotationResult = {
      currentKid: this.ring.currentKid,
      reencrypted: 0,
      skipped: 0,
      undecryptable: 0,
      failures: [],
      remaining: {},
      durationMs: 0,
    };
    // Values already under the current key never match, so the run only ever sees what is left to do.
    const stale = `v1:${likeEscape(this.ring.currentKid)}:%`;
    for (const ref of this.encryptedColumns()) {
      const total = await this.values.countNotLike(ref, stale);
      let done = 0;
      let lastId: string | undefined;
      while (true) {
        const batch = await this.values.nextNotLike(ref, stale, lastId, batchSize);
        if (batch.length === 0) break;
        lastId = batch[batch.length - 1]!.id;
        const rows: RotationBatchRow[] = [];
        for (const { id, value } of batch) {
          try {
            rows.push({ id, old: value, next: this.ring.encrypt(this.ring.decrypt(value)) });
          } catch (error) {
            if (!(error instanceof DecryptionError)) throw error;
            result.undecryptable++;
            if (result.failures.length < MAX_REPORTED)
              result.failures.push({ table: ref.table, column: ref.column, id, reason: error.reason, ...(error.kid ? { kid: error.kid } : {}) });
          }
        }
        const written = rows.length > 0 ? await this.writeBatch(ref, rows) : 0;
        result.reencrypted += written;
        result.skipped += rows.length - written;
        // Rows that appeared behind the cursor since the count (a reconnect under an old key) can push done past total.
        done += batch.length;
        await options.onProgress?.({ table: ref.table, column: ref.column, done, total: Math.max(total, done) });
        if (batch.length < batchSize) break;
        if (options.pauseMs) await sleep(options.pauseMs);
      }
    }
    result.remaining = await this.valuesByKeyId();
    // The admin summary shows these at once, not after the next background count.
    await this.jobs.store(KEY_USAGE_JOB, result.remaining);
    result.durationMs = Date.now() - started;
    return result;
  }

  /** One statement per batch, conditional on the values read; returns how many rows were rewritten. */
  protected writeBatch(ref: EncryptedColumnRef, rows: RotationBatchRow[]): Promise<number> {
    return this.values.replaceIfUnchanged(ref, rows);
  }

  /** Encrypted values per key id over every encrypted column, counted now (the admin summary's valuesByKeyId is the stored count). */
  valuesByKeyId(): Promise<Record<string, number>> {
    return this.values.valuesByKeyId();
  }
}
