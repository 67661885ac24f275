import type { Logger } from '@nestjs/common';

/** A background job on a timer; `stop()` clears it and waits for a pass in progress. */
export type Repeating = { stop: () => Promise<void> };

/**
 * Runs `job` every `ms` without keeping the process alive. A failure is logged (`what` names it),
 * never thrown; a pass still running when the next is due is not doubled.
 */
export function runEvery(logger: Logger, what: string, ms: number, job: () => Promise<unknown>): Repeating {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = job()
      .catch((error: unknown) => logger.warn(`${what} failed: ${(error as Error).message}`))
      .finally(() => (running = undefined));
  }, ms);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
