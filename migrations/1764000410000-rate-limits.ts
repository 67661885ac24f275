import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RateLimits1764000410000 implements MigrationInterface {
  name = 'RateLimits1764000410000';

  async up(q: QueryRunner): Promise<void> {
    // Fixed-window counters shared by every instance. Keys are SHA-256 of the limited subject
    // (an email, an IP, a user id), so the table holds no addresses in clear.
    await q.query(`
      CREATE TABLE rate_limits (
        bucket varchar(32) NOT NULL,
        key_hash char(64) NOT NULL,
        hits integer NOT NULL,
        reset_at timestamptz NOT NULL,
        CONSTRAINT pk_rate_limits PRIMARY KEY (bucket, key_hash)
      )`);
    await q.query('CREATE INDEX ix_rate_limits_reset ON rate_limits (reset_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rate_limits');
  }
}
