import type { MigrationInterface, QueryRunner } from 'typeorm';

export class BackgroundJobs1764000900000 implements MigrationInterface {
  name = 'BackgroundJobs1764000900000';

  async up(q: QueryRunner): Promise<void> {
    // One row per background job (retention deletes, shared counts): a lease so one instance runs it
    // at a time, when it last finished (so it runs at most every so often across instances), and its
    // result for the other instances to read.
    await q.query(`
      CREATE TABLE background_jobs (
        name varchar(100) PRIMARY KEY,
        lease_owner varchar(80),
        lease_expires_at timestamptz,
        finished_at timestamptz,
        result jsonb
      )`);
    // Retention of delivered events (WEBHOOK_RETENTION); pending ones have ix_webhook_outbox_pending.
    await q.query('CREATE INDEX ix_webhook_outbox_delivered ON webhook_outbox (delivered_at) WHERE delivered_at IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX ix_webhook_outbox_delivered');
    await q.query('DROP TABLE background_jobs');
  }
}
