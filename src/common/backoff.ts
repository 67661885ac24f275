export type BackoffOptions = {
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay that is random: 0.5 gives a delay between half and all of it. */
  jitter: number;
  random?: () => number;
};

/**
 * Exponential backoff with jitter: `baseMs * 2^exponent`, capped at `maxMs`, then up to `jitter` of
 * it taken off at random (so retries spread out and the cap is never exceeded). Whole milliseconds.
 */
export function backoffMs(exponent: number, { baseMs, maxMs, jitter, random = Math.random }: BackoffOptions): number {
  const delay = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(exponent, 0), 40));
  return Math.round(delay * (1 - jitter + jitter * random()));
}
