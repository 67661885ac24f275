/**
 * TypeORM's `query()` on pg answers a SELECT (or an INSERT ... RETURNING) with the rows, but an
 * UPDATE or DELETE with `[rows, affectedCount]`. These two read either shape.
 */
const isUpdateResult = (result: unknown): result is [unknown[], number] =>
  Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number';

/** The rows a `query()` returned, whatever the statement. */
export function resultRows<T = Record<string, unknown>>(result: unknown): T[] {
  if (isUpdateResult(result)) return result[0] as T[];
  return Array.isArray(result) ? (result as T[]) : [];
}

/** How many rows an UPDATE or DELETE touched (the row count of any other statement). */
export function affectedRows(result: unknown): number {
  if (isUpdateResult(result)) return result[1];
  return Array.isArray(result) ? result.length : 0;
}
