import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Outages1764001100000 implements MigrationInterface {
  name = 'Outages1764001100000';

  async up(q: QueryRunner): Promise<void> {
    // One circuit breaker per provider, shared by every instance: a sliding window of refresh
    // outcomes (this window and the previous one, 30 s each), and while open when the next probe
    // may go and who sends it. A handful of rows; each instance reads them all once a second.
    await q.query(`
      CREATE TABLE provider_breakers (
        platform varchar(64) PRIMARY KEY,
        state varchar(8) NOT NULL DEFAULT 'closed',
        window_started_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        failures integer NOT NULL DEFAULT 0,
        previous_attempts integer NOT NULL DEFAULT 0,
        previous_failures integer NOT NULL DEFAULT 0,
        opened_at timestamptz,
        next_probe_at timestamptz,
        probe_owner varchar(80),
        probe_expires_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_provider_breakers_state CHECK (state IN ('closed', 'open'))
      )`);
    // Every instance beats here; a refresh lease whose owner's instance stopped beating is free at once.
    await q.query(`
      CREATE TABLE instance_heartbeats (
        instance_id varchar(32) PRIMARY KEY,
        process varchar(255) NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        beat_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX ix_instance_heartbeats_beat ON instance_heartbeats (beat_at)');
    // When a refresh of the connection last failed at the provider: an expired token's refresh is
    // retried on demand at most every REFRESH_RETRY_FLOOR from then.
    await q.query('ALTER TABLE connections ADD COLUMN refresh_attempted_at timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE connections DROP COLUMN refresh_attempted_at');
    await q.query('DROP TABLE instance_heartbeats');
    await q.query('DROP TABLE provider_breakers');
  }
}
