import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { RateLimitRepository } from './rate-limit.repository.js';
import { deleteInBatches, scheduleRetention } from '../common/retention.js';

/** A named limit: at most `limit` hits per `windowMs` (fixed window) for one subject. */
export type RateLimitRule = { bucket: string; limit: number; windowMs: number };

/**
 * Rate limits whose counters live in Postgres (table rate_limits), so every instance shares one
 * budget. A hit is counted before the caller does the limited work, so parallel requests cannot
 * all slip in before the first failure is recorded.
 */
@Injectable()
export class RateLimitService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private stopRetention?: () => void;

  constructor(private readonly counters: RateLimitRepository) {}

  /** For CLIs that run without Nest's container (the repository stays this feature's own). */
  static standalone(dataSource: DataSource): RateLimitService {
    return new RateLimitService(new RateLimitRepository(dataSource));
  }

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
  deleteExpired(): Promise<number> {
    return deleteInBatches((limit) => this.counters.deleteExpired(limit));
  }

  onApplicationBootstrap(): void {
    this.stopRetention = scheduleRetention(this.logger, 'rate-limit counters', () => this.deleteExpired());
  }

  onApplicationShutdown(): void {
    this.stopRetention?.();
  }
}
