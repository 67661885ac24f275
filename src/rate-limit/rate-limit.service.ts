import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RateLimitRepository } from './rate-limit.repository.js';

/** A named limit: at most `limit` hits per `windowMs` (fixed window) for one subject. */
export type RateLimitRule = { bucket: string; limit: number; windowMs: number };

const RETENTION_INTERVAL_MS = 10 * 60_000;
const RETENTION_BATCH = 1000;
const RETENTION_MAX_BATCHES = 50;

/**
 * Rate limits whose counters live in Postgres (table rate_limits), so every instance shares one
 * budget. A hit is counted before the caller does the limited work, so parallel requests cannot
 * all slip in before the first failure is recorded.
 */
@Injectable()
export class RateLimitService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private timer?: NodeJS.Timeout;

  constructor(private readonly counters: RateLimitRepository) {}

  private static keyHash(key: string): string {
    return createHash('sha256').update(key).digest('hex');
  }

  /** Counts one hit for `key`; returns 0 when it is within the limit, else the milliseconds until the window ends. */
  async consume(rule: RateLimitRule, key: string): Promise<number> {
    const { hits, resetInMs } = await this.counters.hit(rule.bucket, RateLimitService.keyHash(key), rule.windowMs);
    return hits > rule.limit ? Math.max(1, resetInMs) : 0;
  }

  /** Forgets the subject's hits (a successful sign-in clears its failures). */
  reset(rule: RateLimitRule, key: string): Promise<void> {
    return this.counters.reset(rule.bucket, RateLimitService.keyHash(key));
  }

  /** Retention: counters whose window has ended, in bounded batches. */
  async deleteExpired(): Promise<number> {
    let total = 0;
    for (let i = 0; i < RETENTION_MAX_BATCHES; i++) {
      const n = await this.counters.deleteExpired(RETENTION_BATCH);
      total += n;
      if (n < RETENTION_BATCH) break;
    }
    return total;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.deleteExpired().catch((error: unknown) => this.logger.warn(`Deleting expired rate-limit counters failed: ${(error as Error).message}`));
    }, RETENTION_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
