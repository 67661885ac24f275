import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { resultRows } from '../common/query-result.js';
import { encryptedColumn } from './encrypted-column.transformer.js';

/** One encrypted column, found from the entity metadata (every column using `encryptedColumn`). */
export type EncryptedColumnRef = { table: string; column: string; primaryKey: string; primaryKeyType: string };

export type RotationBatchRow = { id: string; old: string; next: string };

/**
 * The one documented exception to "each table has one owner": ciphertext at rest is crypto's.
 * These queries reach every column declared with the `encryptedColumn` transformer, in whatever
 * feature's table, found from the entity metadata, so a new encrypted column is rotated and
 * counted without anyone remembering to add it (a forgotten per-feature method would silently
 * leave values under a retired key). They read and write only the primary key and that column,
 * and every write is conditional on the value read, so the owning feature's writes always win.
 */
@Injectable()
export class EncryptedColumnRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  columns(): EncryptedColumnRef[] {
    const found: EncryptedColumnRef[] = [];
    for (const entity of this.dataSource.entityMetadatas) {
      for (const column of entity.columns) {
        const transformers = Array.isArray(column.transformer) ? column.transformer : [column.transformer];
        if (!transformers.includes(encryptedColumn)) continue;
        if (entity.primaryColumns.length !== 1) throw new Error(`${entity.tableName}: key rotation needs a single-column primary key`);
        const pk = entity.primaryColumns[0]!;
        found.push({
          table: entity.tableName,
          column: column.databaseName,
          primaryKey: pk.databaseName,
          primaryKeyType: this.dataSource.driver.normalizeType(pk),
        });
      }
    }
    return found.sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`));
  }

  /** Values of `ref` not matching `likePattern` (not yet under the current key). */
  async countNotLike(ref: EncryptedColumnRef, likePattern: string): Promise<number> {
    const q = this.quoted(ref);
    const [row] = resultRows<{ n: number }>(
      await this.dataSource.query(`SELECT count(*)::int AS n FROM ${q.table} WHERE ${q.column} NOT LIKE $1`, [likePattern]),
    );
    return row?.n ?? 0;
  }

  /** The next `limit` such values after primary key `afterId`, in primary key order (keyset). */
  async nextNotLike(ref: EncryptedColumnRef, likePattern: string, afterId: string | undefined, limit: number): Promise<{ id: string; value: string }[]> {
    const q = this.quoted(ref);
    const params: unknown[] = [likePattern, limit];
    const after = afterId === undefined ? '' : `AND ${q.pk} > $${params.push(afterId)}::${ref.primaryKeyType}`;
    return resultRows(
      await this.dataSource.query(
        `SELECT ${q.pk}::text AS id, ${q.column} AS value FROM ${q.table} WHERE ${q.column} NOT LIKE $1 ${after} ORDER BY ${q.pk} LIMIT $2`,
        params,
      ),
    );
  }

  /**
   * One statement per batch: rewrites each row only if it still holds the value read, so a
   * concurrent token write wins. Returns how many rows were rewritten.
   */
  async replaceIfUnchanged(ref: EncryptedColumnRef, rows: RotationBatchRow[]): Promise<number> {
    const q = this.quoted(ref);
    const updated = resultRows(
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

  /** Encrypted values per key id over every encrypted column (rotation progress, the admin summary). */
  async valuesByKeyId(): Promise<Record<string, number>> {
    const parts = this.columns().map((ref) => {
      const q = this.quoted(ref);
      return `SELECT split_part(${q.column}, ':', 2) AS kid FROM ${q.table} WHERE ${q.column} IS NOT NULL`;
    });
    if (parts.length === 0) return {};
    const found = resultRows<{ kid: string; n: number }>(
      await this.dataSource.query(`SELECT kid, count(*)::int AS n FROM (${parts.join(' UNION ALL ')}) v GROUP BY kid ORDER BY kid`),
    );
    return Object.fromEntries(found.map((r) => [r.kid, r.n]));
  }

  private quoted(ref: EncryptedColumnRef) {
    const e = (name: string) => this.dataSource.driver.escape(name);
    return { table: e(ref.table), column: e(ref.column), pk: e(ref.primaryKey) };
  }
}
