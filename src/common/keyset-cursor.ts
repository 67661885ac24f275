import { AppException } from './app.exception.js';

/**
 * Opaque cursors for keyset pagination on (sort key, id): a page continues after the last row of
 * the previous one, so lists stay fast at millions of rows and neither skip nor repeat rows while
 * others change. A cursor names its sort, so it cannot be replayed against another order.
 */
export class CursorException extends AppException {
  static invalid(): CursorException {
    return new CursorException(400, 'invalid_cursor', 'The cursor is malformed or belongs to another sort order');
  }
}

export function encodeCursor(sort: string, key: unknown, id: unknown): string {
  return Buffer.from(JSON.stringify([sort, String(key), String(id)])).toString('base64url');
}

/** The (sort key, id) a cursor continues after; a 400 `invalid_cursor` when it is not one of `sort`'s. */
export function decodeCursor(cursor: string, sort: string): [string, string] {
  try {
    const [s, key, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string, string];
    if (s !== sort || typeof key !== 'string' || typeof id !== 'string' || key.length > 64 || id.length > 64) throw new Error('cursor');
    return [key, id];
  } catch {
    throw CursorException.invalid();
  }
}

export type Page<T> = { rows: T[]; nextCursor: string | null };

/** Cuts a `limit + 1` fetch into a page and the cursor after its last row (`sort_key` and `id` columns). */
export function toPage<T extends { sort_key?: unknown; id?: unknown }>(found: T[], limit: number, sort: string): Page<T> {
  const rows = found.slice(0, limit);
  const last = rows[rows.length - 1];
  return { rows, nextCursor: found.length > limit && last ? encodeCursor(sort, last.sort_key, last.id) : null };
}
