import type { MigrationInterface, QueryRunner } from 'typeorm';

/** connection.expiring is sent once per stage (EXPIRY_WARNING before the end, then 1 day before) and per end date. */
export class ExpiryWarnings1764001320000 implements MigrationInterface {
  name = 'ExpiryWarnings1764001320000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE connections ADD COLUMN expiry_warned smallint NOT NULL DEFAULT 0, ADD COLUMN expiry_warned_until timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE connections DROP COLUMN expiry_warned, DROP COLUMN expiry_warned_until');
  }
}
