/** The circuit breaker's numbers (README, Reliability). */
export const BREAKER = {
  /** Failures are counted over this sliding window... */
  windowMs: 30_000,
  /** ...and the breaker opens when at least this many... */
  minFailures: 5,
  /** ...and at least this share of the refreshes sent in it failed transiently. */
  failureRatio: 0.5,
  /** While open, one probe may go this often. */
  probeIntervalMs: 3_000,
  /** Each instance writes its counts and reads every breaker this often (a failure is written within FLUSH_SOON_MS). */
  syncMs: 1_000,
  flushSoonMs: 100,
} as const;

/** Outcomes of the current window and the previous one (timestamps in ms). */
export type BreakerWindow = { startedAt: number; attempts: number; failures: number; previousAttempts: number; previousFailures: number };

/** The window as of `now`: a window older than windowMs becomes the previous one; older than twice that, forgotten. */
export function rollWindow(w: BreakerWindow, now: number): BreakerWindow {
  const elapsed = now - w.startedAt;
  if (elapsed < BREAKER.windowMs) return w;
  if (elapsed < 2 * BREAKER.windowMs)
    return { startedAt: w.startedAt + BREAKER.windowMs, attempts: 0, failures: 0, previousAttempts: w.attempts, previousFailures: w.failures };
  return { startedAt: now, attempts: 0, failures: 0, previousAttempts: 0, previousFailures: 0 };
}

/** Refreshes and failures of the last windowMs: the current window plus the part of the previous one still inside it. */
export function lastWindow(w: BreakerWindow, now: number): { attempts: number; failures: number } {
  const r = rollWindow(w, now);
  const weight = Math.max(0, 1 - (now - r.startedAt) / BREAKER.windowMs);
  return { attempts: r.attempts + r.previousAttempts * weight, failures: r.failures + r.previousFailures * weight };
}

export function addOutcomes(w: BreakerWindow, now: number, attempts: number, failures: number): BreakerWindow {
  const r = rollWindow(w, now);
  return { ...r, attempts: r.attempts + attempts, failures: r.failures + failures };
}

/** Whether a closed breaker with this window opens. */
export function shouldOpen(w: BreakerWindow, now: number): boolean {
  const { attempts, failures } = lastWindow(w, now);
  return failures >= BREAKER.minFailures && attempts > 0 && failures / attempts >= BREAKER.failureRatio;
}
