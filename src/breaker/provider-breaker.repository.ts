import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { resultRows } from '../common/query-result.js';
import { BREAKER } from './breaker-policy.js';

/** A breaker row as read, with the database's clock at the read (instances agree on the database's time). */
export type BreakerRow = {
  platform: string;
  state: 'closed' | 'open';
  window_started_at: Date;
  attempts: number;
  failures: number;
  previous_attempts: number;
  previous_failures: number;
  opened_at: Date | null;
  next_probe_at: Date | null;
  probe_owner: string | null;
  probe_expires_at: Date | null;
  db_now: Date;
};

const COLUMNS = `platform, state, window_started_at, attempts, failures, previous_attempts, previous_failures, opened_at, next_probe_at, probe_owner,
  probe_expires_at, now() AS db_now`;

/** Named queries on provider_breakers: every one by primary key, or all rows of a table with one row per provider. */
@Injectable()
export class ProviderBreakerRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async all(): Promise<BreakerRow[]> {
    return resultRows<BreakerRow>(await this.dataSource.query(`SELECT ${COLUMNS} FROM provider_breakers`));
  }

  /** The row, created closed if missing, locked for the caller's transaction. */
  async lock(m: EntityManager, platform: string): Promise<BreakerRow> {
    await m.query('INSERT INTO provider_breakers (platform) VALUES ($1) ON CONFLICT (platform) DO NOTHING', [platform]);
    const [row] = resultRows<BreakerRow>(await m.query(`SELECT ${COLUMNS} FROM provider_breakers WHERE platform = $1 FOR UPDATE`, [platform]));
    return row!;
  }

  /** Writes the window, and opens the breaker when `open` (first probe after probeIntervalMs). */
  async saveWindow(
    m: EntityManager,
    platform: string,
    w: { startedAt: Date; attempts: number; failures: number; previousAttempts: number; previousFailures: number },
    open: boolean,
  ): Promise<BreakerRow> {
    const [row] = resultRows<BreakerRow>(
      await m.query(
        `UPDATE provider_breakers SET window_started_at = $2, attempts = $3, failures = $4, previous_attempts = $5, previous_failures = $6, updated_at = now(),
           state = CASE WHEN $7::boolean THEN 'open' ELSE state END,
           opened_at = CASE WHEN $7::boolean THEN now() ELSE opened_at END,
           next_probe_at = CASE WHEN $7::boolean THEN now() + $8::integer * interval '1 millisecond' ELSE next_probe_at END
         WHERE platform = $1 RETURNING ${COLUMNS}`,
        [platform, w.startedAt, w.attempts, w.failures, w.previousAttempts, w.previousFailures, open, BREAKER.probeIntervalMs],
      ),
    );
    return row!;
  }

  /** Takes the probe of an open breaker whose probe is due and not held; the next one is due probeIntervalMs later. */
  async claimProbe(platform: string, owner: string, leaseMs: number): Promise<BreakerRow | undefined> {
    const [row] = resultRows<BreakerRow>(
      await this.dataSource.query(
        `UPDATE provider_breakers SET probe_owner = $2, probe_expires_at = now() + $3::integer * interval '1 millisecond',
           next_probe_at = now() + $4::integer * interval '1 millisecond', updated_at = now()
         WHERE platform = $1 AND state = 'open' AND next_probe_at <= now() AND (probe_owner IS NULL OR probe_expires_at < now())
         RETURNING ${COLUMNS}`,
        [platform, owner, leaseMs, BREAKER.probeIntervalMs],
      ),
    );
    return row;
  }

  /** The probe (or any refresh) got an answer from the provider: closed, counting afresh. */
  async close(platform: string): Promise<BreakerRow | undefined> {
    const [row] = resultRows<BreakerRow>(
      await this.dataSource.query(
        `UPDATE provider_breakers SET state = 'closed', opened_at = NULL, next_probe_at = NULL, probe_owner = NULL, probe_expires_at = NULL,
           window_started_at = now(), attempts = 0, failures = 0, previous_attempts = 0, previous_failures = 0, updated_at = now()
         WHERE platform = $1 AND state = 'open' RETURNING ${COLUMNS}`,
        [platform],
      ),
    );
    return row;
  }

  /** Ends `owner`'s probe: failed, the next one is due probeIntervalMs from now; without an outcome, it is due at once. */
  async endProbe(platform: string, owner: string, failed: boolean): Promise<BreakerRow | undefined> {
    const [row] = resultRows<BreakerRow>(
      await this.dataSource.query(
        `UPDATE provider_breakers SET probe_owner = NULL, probe_expires_at = NULL, updated_at = now(),
           next_probe_at = CASE WHEN $3::boolean THEN now() + $4::integer * interval '1 millisecond' ELSE now() END
         WHERE platform = $1 AND probe_owner = $2 RETURNING ${COLUMNS}`,
        [platform, owner, failed, BREAKER.probeIntervalMs],
      ),
    );
    return row;
  }
}
