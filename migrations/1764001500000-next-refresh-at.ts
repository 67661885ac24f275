import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  DEFAULT_REFRESH_DUE_SETTINGS,
  NEXT_REFRESH_FUNCTION,
  NEXT_REFRESH_INPUTS,
  nextRefreshBackfillSql,
  nextRefreshFunctionSql,
} from '../src/connections/refresh-due.js';

const BATCH = 10_000;

/**
 * `next_refresh_at`: when the scheduler is to refresh a connection (src/connections/refresh-due.ts),
 * kept by a trigger on every write of an input, and the index its claim scans (issue 16). The
 * function is installed for the default settings; the app reinstalls it for others at startup
 * (NextRefreshService).
 */
export class NextRefreshAt1764001500000 implements MigrationInterface {
  name = 'NextRefreshAt1764001500000';
  // The backfill commits batch by batch (short row locks on a large table) and the index is built
  // CONCURRENTLY: neither can run in one transaction. Each step can run again after an interruption.
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE connections ADD COLUMN IF NOT EXISTS next_refresh_at timestamptz');
    await q.query(nextRefreshFunctionSql(DEFAULT_REFRESH_DUE_SETTINGS));
    // Before the backfill: rows written meanwhile get their value from the trigger.
    await q.query(`DROP TRIGGER IF EXISTS tr_connections_next_refresh_at ON connections`);
    await q.query(
      `CREATE TRIGGER tr_connections_next_refresh_at BEFORE INSERT OR UPDATE OF ${NEXT_REFRESH_INPUTS.join(', ')} ON connections
       FOR EACH ROW EXECUTE FUNCTION ${NEXT_REFRESH_FUNCTION}()`,
    );
    const backfill = nextRefreshBackfillSql(DEFAULT_REFRESH_DUE_SETTINGS);
    for (let after = '00000000-0000-0000-0000-000000000000'; ;) {
      const [row] = (await q.query(backfill, [after, BATCH])) as { n: number; last: string | null }[];
      if (!row || row.n === 0 || !row.last) break;
      after = row.last;
    }
    // Due and not leased, per platform (the claim asks for the platforms it can refresh).
    await q.query('DROP INDEX CONCURRENTLY IF EXISTS ix_connections_next_refresh');
    await q.query(
      `CREATE INDEX CONCURRENTLY ix_connections_next_refresh ON connections (platform, (greatest(next_refresh_at, refresh_lease_expires_at))) WHERE status = 'active'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS ix_connections_next_refresh');
    await q.query('DROP TRIGGER IF EXISTS tr_connections_next_refresh_at ON connections');
    await q.query(`DROP FUNCTION IF EXISTS ${NEXT_REFRESH_FUNCTION}()`);
    await q.query('ALTER TABLE connections DROP COLUMN IF EXISTS next_refresh_at');
  }
}
