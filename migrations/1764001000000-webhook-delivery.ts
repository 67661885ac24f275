import type { MigrationInterface, QueryRunner } from 'typeorm';

export class WebhookDelivery1764001000000 implements MigrationInterface {
  name = 'WebhookDelivery1764001000000';

  async up(q: QueryRunner): Promise<void> {
    // Per-connection order: each event gets its connection's next sequence number, and only the
    // earliest undelivered event of a connection (its `head`) may be claimed for delivery.
    // webhook_sequences holds each connection's counter; its row lock serialises the changes to a
    // connection's line (enqueue, delivery, dead-lettering, redelivery).
    await q.query(`
      CREATE TABLE webhook_sequences (
        connection_id uuid PRIMARY KEY,
        last_seq bigint NOT NULL
      )`);
    await q.query(`
      ALTER TABLE webhook_outbox
        ADD COLUMN connection_id uuid,
        ADD COLUMN seq bigint,
        ADD COLUMN head boolean NOT NULL DEFAULT false,
        ADD COLUMN queued_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN dead_at timestamptz`);
    // Events written before: their connection from the payload (every event names one), numbered in id order.
    await q.query(`
      UPDATE webhook_outbox SET queued_at = created_at,
        connection_id = CASE WHEN payload->>'connectionId' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
          THEN (payload->>'connectionId')::uuid ELSE gen_random_uuid() END`);
    await q.query(`
      WITH numbered AS (SELECT id, row_number() OVER (PARTITION BY connection_id ORDER BY id) AS n FROM webhook_outbox)
      UPDATE webhook_outbox o SET seq = numbered.n FROM numbered WHERE o.id = numbered.id`);
    await q.query(`
      UPDATE webhook_outbox o SET head = true
      WHERE o.id IN (SELECT min(id) FROM webhook_outbox WHERE delivered_at IS NULL GROUP BY connection_id)`);
    // A counter for every connection still in use (a delivered connection.deleted ends a connection).
    await q.query(`
      INSERT INTO webhook_sequences (connection_id, last_seq)
      SELECT connection_id, max(seq) FROM webhook_outbox o GROUP BY connection_id
      HAVING bool_or(delivered_at IS NULL) OR NOT bool_or(event_type = 'connection.deleted')`);
    await q.query('ALTER TABLE webhook_outbox ALTER COLUMN connection_id SET NOT NULL, ALTER COLUMN seq SET NOT NULL');

    await q.query('DROP INDEX ix_webhook_outbox_pending');
    // The dispatcher's claim: due heads, oldest due first.
    await q.query('CREATE INDEX ix_webhook_outbox_due ON webhook_outbox (next_attempt_at, id) WHERE head');
    // Heads older than WEBHOOK_MAX_AGE, for dead-lettering (also while delivery is disabled).
    await q.query('CREATE INDEX ix_webhook_outbox_head_age ON webhook_outbox (queued_at) WHERE head');
    // At most one head per connection: a bug that would break the order fails loudly instead.
    await q.query('CREATE UNIQUE INDEX ux_webhook_outbox_head ON webhook_outbox (connection_id) WHERE head');
    // A connection's undelivered events in order: the next head, and whether the line is empty.
    await q.query('CREATE INDEX ix_webhook_outbox_line ON webhook_outbox (connection_id, seq) WHERE delivered_at IS NULL AND dead_at IS NULL');
    // The admin dead-letter list, newest first.
    await q.query('CREATE INDEX ix_webhook_outbox_dead ON webhook_outbox (dead_at DESC, id DESC) WHERE dead_at IS NOT NULL');
    await q.query('CREATE UNIQUE INDEX ux_webhook_outbox_event ON webhook_outbox (event_id)');

    // A receiver that answered 410 Gone: delivery to that URL stops on every instance until an admin
    // re-enables it. Keyed by the URL's SHA-256 (a URL may carry credentials), so a new WEBHOOK_URL starts enabled.
    await q.query(`
      CREATE TABLE webhook_endpoint_state (
        url_hash char(64) PRIMARY KEY,
        disabled_at timestamptz NOT NULL,
        reason varchar(300) NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE webhook_endpoint_state');
    await q.query('DROP INDEX ux_webhook_outbox_event');
    await q.query('DROP INDEX ix_webhook_outbox_dead');
    await q.query('DROP INDEX ix_webhook_outbox_line');
    await q.query('DROP INDEX ux_webhook_outbox_head');
    await q.query('DROP INDEX ix_webhook_outbox_head_age');
    await q.query('DROP INDEX ix_webhook_outbox_due');
    // Dead letters become pending again, as the old dispatcher knew no other state.
    await q.query('ALTER TABLE webhook_outbox DROP COLUMN connection_id, DROP COLUMN seq, DROP COLUMN head, DROP COLUMN queued_at, DROP COLUMN dead_at');
    await q.query('CREATE INDEX ix_webhook_outbox_pending ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL');
    await q.query('DROP TABLE webhook_sequences');
  }
}
