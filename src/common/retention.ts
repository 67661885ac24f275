import type { Logger } from '@nestjs/common';

/**
 * How often, and in what batches, expired rows are deleted: small deletes, no long locks. A run
 * of one table stops after `maxBatches` or `budgetMs`, whichever comes first.
 */
export const RETENTION = { intervalMs: 10 * 60_000, batch: 1000, maxBatches: 50, budgetMs: 2 * 60_000 } as const;

/**
 * Calls `deleteBatch(limit)` until a batch comes back short, `maxBatches` were deleted or
 * `budgetMs` is spent; returns the rows deleted.
 */
export async function deleteInBatches(
  deleteBatch: (limit: number) => Promise<number>,
  batch: number = RETENTION.batch,
  maxBatches: number = RETENTION.maxBatches,
  budgetMs: number = RETENTION.budgetMs,
): Promise<number> {
  const deadline = Date.now() + budgetMs;
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = await deleteBatch(batch);
    total += n;
    if (n < batch || Date.now() >= deadline) break;
  }
  return total;
}

/** Runs a retention job every `RETENTION.intervalMs` in the background; a failure is logged, never thrown. Returns a stop function. */
export function scheduleRetention(logger: Logger, what: string, job: () => Promise<unknown>): () => void {
  const timer = setInterval(() => {
    job().catch((error: unknown) => logger.warn(`Deleting expired ${what} failed: ${(error as Error).message}`));
  }, RETENTION.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
