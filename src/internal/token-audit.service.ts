import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Page } from '../common/keyset-cursor.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { RetentionService } from '../jobs/retention.service.js';
import { type AuditFilter, type AuditRow, TokenAccessAuditRepository } from './token-access-audit.repository.js';

type Entry = { service: string; userId: string; platform: string; accessedAt: Date };

const FLUSH_EVERY_MS = 1000;
const MAX_BUFFER = 500;
const AUDIT_RETENTION_BATCH = 5000;

/**
 * Audit of internal-token reads, written in batches off the hot path: every read is recorded
 * (no sampling); at most one second of records is lost if the process dies abruptly. Reads older
 * than AUDIT_RETENTION are deleted by the retention job.
 */
@Injectable()
export class TokenAuditService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('TokenAudit');
  private buffer: Entry[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly audit: TokenAccessAuditRepository,
    private readonly retention: RetentionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // The busiest table (one row per internal-token call): larger batches, as many as the run's budget allows.
    this.retention.register({
      table: 'token_access_audit',
      deleteBatch: (limit) => this.audit.deleteOlderThan(this.config.retention.auditMs, limit),
      batch: AUDIT_RETENTION_BATCH,
      maxBatches: Number.MAX_SAFE_INTEGER,
    });
  }

  // Fire-and-forget flushes: write() logs and swallows its own errors, so the chain never rejects.
  record(service: string, userId: string, platform: string): void {
    this.buffer.push({ service, userId, platform, accessedAt: new Date() });
    if (this.buffer.length >= MAX_BUFFER) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  /** The audit as admins read it: newest first, keyset-paginated. */
  list(q: AuditFilter): Promise<Page<AuditRow>> {
    return this.audit.list(q);
  }

  private async write(batch: Entry[]): Promise<void> {
    try {
      await this.audit.insertBatch(batch);
    } catch (error) {
      this.logger.error(`Could not write ${batch.length} audit records: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
