import type { DataSource } from 'typeorm';
import { DecryptionError } from './crypto.exception.js';
import { encryptedColumn } from './encrypted-column.transformer.js';
import type { KeyRing } from './key-ring.js';

/** One encrypted column, found from the entity metadata (every column using `encryptedColumn`). */
export type EncryptedColumnRef = { table: string; column: string; primaryKey: string; primaryKeyType: string };

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
  /** Encrypted values per key id after the run, current key included (as GET /admin/api/summary shows). */
  remaining: Record<string, number>;
  durationMs: number;
};

export type RotationBatchRow = { id: string; old: string; next: string };

const MAX_REPORTED = 100;

const rowsOf = <T>(result: unknown): T[] => (Array.isArray((result as unknown[])[0]) ? ((result as unknown[])[0] as T[]) : (result as T[]));
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
  constructor(
    private readonly dataSource: DataSource,
    private readonly ring: KeyRing,
  ) {}

  /** Every column of every entity that uses the encrypted-column transformer. */
  encryptedColumns(): EncryptedColumnRef[] {
    const found: EncryptedColumnRef[] = [];
    for (const entity of this.dataSource.entityMetadatas) {
      for (const column of entity.columns) {
        const transformers = Array.isArray(column.transformer) ? column.transformer : [column.transformer];
        if (!transformers.includes(encryptedColumn)) continue;
        if (entity.primaryColumns.length !== 1) throw new Error(`${entity.tableName}: key rotation needs a single-column primary key`);
        const pk = entity.primaryColumns[0]!;
        found.push({ table: entity.tableName, column: column.databaseName, primaryKey: pk.databaseName, primaryKeyType: this.dataSource.driver.normalizeType(pk) });
      }
    }
    return found.sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`));
  }

  async rotate(options: RotationOptions = {}): Promise<RotationResult> {
    const batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error('batchSize must be an integer from 1 to 10000');
    const started = Date.now();
    const result: RotationResult = { currentKid: this.ring.currentKid, reencrypted: 0, skipped: 0, undecryptable: 0, failures: [], remaining: {}, durationMs: 0 };
    // Values already under the current key never match, so the run only ever sees what is left to do.
    const stale = `v1:${likeEscape(this.ring.currentKid)}:%`;
    for (const ref of this.encryptedColumns()) {
      const q = this.quoted(ref);
      const [{ n: total }] = rowsOf<{ n: number }>(await this.dataSource.query(`SELECT count(*)::int AS n FROM ${q.table} WHERE ${q.column} NOT LIKE $1`, [stale]));
      let done = 0;
      let lastId: string | undefined;
      while (true) {
        const params: unknown[] = [stale, batchSize];
        const after = lastId === undefined ? '' : `AND ${q.pk} > $${params.push(lastId)}::${ref.primaryKeyType}`;
        const batch = rowsOf<{ id: string; value: string }>(
          await this.dataSource.query(`SELECT ${q.pk}::text AS id, ${q.column} AS value FROM ${q.table} WHERE ${q.column} NOT LIKE $1 ${after} ORDER BY ${q.pk} LIMIT $2`, params),
        );
        if (batch.length === 0) break;
        lastId = batch[batch.length - 1]!.id;
        const rows: RotationBatchRow[] = [];
        for (const { id, value } of batch) {
          try {
            rows.push({ id, old: value, next: this.ring.encrypt(this.ring.decrypt(value)) });
          } catch (error) {
            if (!(error instanceof DecryptionError)) throw error;
            result.undecryptable++;
            if (result.failures.length < MAX_REPORTED) result.failures.push({ table: ref.table, column: ref.column, id, reason: error.reason, ...(error.kid ? { kid: error.kid } : {}) });
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
    result.durationMs = Date.now() - started;
    return result;
  }

  /**
   * One statement per batch: rewrites each row only if it still holds the value we read, so a
   * concurrent token write wins. Returns how many rows were rewritten.
   */
  protected async writeBatch(ref: EncryptedColumnRef, rows: RotationBatchRow[]): Promise<number> {
    const q = this.quoted(ref);
    const updated = rowsOf<{ id: string }>(
      await this.dataSource.query(
        `UPDATE ${q.table} AS t SET ${q.column} = v.next
         FROM unnest($1::${ref.primaryKeyType}[], $2::text[], $3::text[]) AS v(id, old, next)
         WHERE t.${q.pk} = v.id AND t.${q.column} = v.old
         RETURNING t.${q.pk}`,
        [rows.map((r) => r.id), rows.map((r) => r.old), rows.map((r) => r.next)],
      ),
    );
    return updated.length;
  }

  /** Encrypted values per key id over every encrypted column (the admin summary's valuesByKeyId). */
  async valuesByKeyId(): Promise<Record<string, number>> {
    const parts = this.encryptedColumns().map((ref) => {
      const q = this.quoted(ref);
      return `SELECT split_part(${q.column}, ':', 2) AS kid FROM ${q.table} WHERE ${q.column} IS NOT NULL`;
    });
    if (parts.length === 0) return {};
    const found = rowsOf<{ kid: string; n: number }>(await this.dataSource.query(`SELECT kid, count(*)::int AS n FROM (${parts.join(' UNION ALL ')}) v GROUP BY kid ORDER BY kid`));
    return Object.fromEntries(found.map((r) => [r.kid, r.n]));
  }

  private quoted(ref: EncryptedColumnRef) {
    const e = (name: string) => this.dataSource.driver.escape(name);
    return { table: e(ref.table), column: e(ref.column), pk: e(ref.primaryKey) };
  }
}
