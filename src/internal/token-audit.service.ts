import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

type Entry = { service: string; userId: string; platform: string; at: Date };

const FLUSH_EVERY_MS = 1000;
const MAX_BUFFER = 500;

/**
 * Audit of internal-token reads, written in batches off the hot path: every read is recorded
 * (no sampling); at most one second of records is lost if the process dies abruptly.
 */
@Injectable()
export class TokenAuditService implements OnApplicationShutdown {
  private readonly logger = new Logger('TokenAudit');
  private buffer: Entry[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  record(service: string, userId: string, platform: string): void {
    this.buffer.push({ service, userId, platform, at: new Date() });
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

  private async write(batch: Entry[]): Promise<void> {
    const values = batch.map((_, i) => `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`).join(', ');
    try {
      await this.dataSource.query(`INSERT INTO token_access_audit (service, user_id, platform, accessed_at) VALUES ${values}`, batch.flatMap((e) => [e.service, e.userId, e.platform, e.at]));
    } catch (error) {
      this.logger.error(`Could not write ${batch.length} audit records: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
