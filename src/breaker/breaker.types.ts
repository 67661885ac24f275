/** `half_open`: open, with one probe in flight. */
export type BreakerState = 'closed' | 'open' | 'half_open';

export type BreakerView = {
  platform: string;
  state: BreakerState;
  openedAt: Date | null;
  /** While open: when the next probe may go. */
  nextProbeAt: Date | null;
  /** Refreshes sent and transient failures over the last 30 s (sliding estimate, as of the last write). */
  recentAttempts: number;
  recentFailures: number;
};

/** What a caller needing a refresh of this platform may do now (in memory, the hot path). */
export type BreakerGate = { open: false } | { open: true; retryInMs: number; probeDue: boolean };
