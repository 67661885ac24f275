import { addOutcomes, BREAKER, lastWindow, rollWindow, shouldOpen, type BreakerWindow } from '../../src/breaker/breaker-policy.js';

const empty = (startedAt: number): BreakerWindow => ({ startedAt, attempts: 0, failures: 0, previousAttempts: 0, previousFailures: 0 });
const W = BREAKER.windowMs;

describe('circuit breaker window', () => {
  it('opens at 5 transient failures that are at least half of the refreshes sent in the last 30 s', () => {
    const t = 1_000_000;
    expect(shouldOpen(addOutcomes(empty(t), t, 4, 4), t)).toBe(false); // too few
    expect(shouldOpen(addOutcomes(empty(t), t, 5, 5), t)).toBe(true);
    expect(shouldOpen(addOutcomes(empty(t), t, 10, 5), t)).toBe(true); // exactly half
    expect(shouldOpen(addOutcomes(empty(t), t, 11, 5), t)).toBe(false); // under half
    expect(shouldOpen(addOutcomes(empty(t), t, 100, 30), t)).toBe(false); // many failures, a healthy provider
  });

  it('rolls the window: the previous 30 s count for the part still inside the last 30 s, older ones not at all', () => {
    const t = 1_000_000;
    const w = addOutcomes(empty(t), t + W - 1, 8, 8);
    expect(lastWindow(w, t + W - 1)).toEqual({ attempts: 8, failures: 8 });
    // Half-way through the next window: half of the previous one still counts.
    expect(lastWindow(w, t + W + W / 2)).toEqual({ attempts: 4, failures: 4 });
    expect(shouldOpen(w, t + W + W / 2)).toBe(false);
    expect(rollWindow(w, t + W + 1)).toMatchObject({ startedAt: t + W, attempts: 0, previousAttempts: 8, previousFailures: 8 });
    // Two windows later, forgotten.
    expect(lastWindow(w, t + 2 * W)).toEqual({ attempts: 0, failures: 0 });
    expect(rollWindow(w, t + 3 * W)).toEqual(empty(t + 3 * W));
  });

  it('adds to the current window after a roll', () => {
    const t = 1_000_000;
    const w = addOutcomes(addOutcomes(empty(t), t, 4, 4), t + W + 1, 2, 2);
    expect(w).toMatchObject({ startedAt: t + W, attempts: 2, failures: 2, previousAttempts: 4, previousFailures: 4 });
    expect(shouldOpen(w, t + W + 1)).toBe(true); // 2 + almost all of 4
  });
});
