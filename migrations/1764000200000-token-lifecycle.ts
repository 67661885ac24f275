import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TokenLifecycle1764000200000 implements MigrationInterface {
  name = 'TokenLifecycle1764000200000';

  async up(q: QueryRunner): Promise<void> {
    // Refresh bookkeeping, a lease that serialises refreshes across processes, and a version
    // that makes every token write conditional on what the writer last read.
    await q.query(`
      ALTER TABLE connections
        ADD COLUMN token_version integer NOT NULL DEFAULT 1,
        ADD COLUMN last_refreshed_at timestamptz,
        ADD COLUMN last_refresh_error varchar(32),
        ADD COLUMN last_refresh_error_code varchar(64),
        ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0,
        ADD COLUMN next_retry_at timestamptz,
        ADD COLUMN refresh_lease_owner varchar(80),
        ADD COLUMN refresh_lease_expires_at timestamptz`);
    await q.query(`CREATE INDEX ix_connections_due ON connections (access_token_expires_at) WHERE status = 'active'`);
    await q.query(
      `CREATE INDEX ix_connections_refresh_expiry ON connections (refresh_token_expires_at) WHERE status = 'active' AND refresh_token_expires_at IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE refresh_failures (
        id bigserial PRIMARY KEY,
        connection_id uuid REFERENCES connections(id) ON DELETE SET NULL,
        platform varchar(64) NOT NULL,
        user_id varchar(255) NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        trigger varchar(16) NOT NULL,
        failure_class varchar(32) NOT NULL,
        provider_code varchar(64),
        http_status integer,
        message varchar(500) NOT NULL,
        CONSTRAINT ck_refresh_failures_trigger CHECK (trigger IN ('lazy', 'scheduled', 'admin'))
      )`);
    await q.query('CREATE INDEX ix_refresh_failures_time ON refresh_failures (occurred_at DESC, id DESC)');
    await q.query('CREATE INDEX ix_refresh_failures_connection ON refresh_failures (connection_id, occurred_at DESC)');

    await q.query(`
      CREATE TABLE refresh_log (
        id bigserial PRIMARY KEY,
        connection_id uuid REFERENCES connections(id) ON DELETE SET NULL,
        platform varchar(64) NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        trigger varchar(16) NOT NULL,
        outcome varchar(16) NOT NULL,
        duration_ms integer NOT NULL
      )`);
    await q.query('CREATE INDEX ix_refresh_log_time ON refresh_log (occurred_at DESC)');
    await q.query('CREATE INDEX ix_refresh_log_connection ON refresh_log (connection_id, occurred_at DESC)');

    await q.query(`
      CREATE TABLE webhook_outbox (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL DEFAULT gen_random_uuid(),
        event_type varchar(64) NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_owner varchar(80),
        lease_expires_at timestamptz,
        delivered_at timestamptz,
        last_error varchar(300)
      )`);
    await q.query('CREATE INDEX ix_webhook_outbox_pending ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL');

    await q.query(`
      CREATE TABLE token_access_audit (
        id bigserial PRIMARY KEY,
        service varchar(255) NOT NULL,
        user_id varchar(255) NOT NULL,
        platform varchar(64) NOT NULL,
        accessed_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX ix_token_access_audit_time ON token_access_audit (accessed_at DESC, id DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE token_access_audit');
    await q.query('DROP TABLE webhook_outbox');
    await q.query('DROP TABLE refresh_log');
    await q.query('DROP TABLE refresh_failures');
    await q.query('DROP INDEX ix_connections_refresh_expiry');
    await q.query('DROP INDEX ix_connections_due');
    await q.query(`ALTER TABLE connections
      DROP COLUMN token_version, DROP COLUMN last_refreshed_at, DROP COLUMN last_refresh_error, DROP COLUMN last_refresh_error_code,
      DROP COLUMN consecutive_failures, DROP COLUMN next_retry_at, DROP COLUMN refresh_lease_owner, DROP COLUMN refresh_lease_expires_at`);
  }
}
