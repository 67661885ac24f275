import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { WebhookDelivery1764001000000 } from '../../migrations/1764001000000-webhook-delivery.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

// Migration 1764001000000 on an outbox written by the previous release: every event joins its
// connection's line in id order, the earliest undelivered one as head, and the counters continue.

describe('migration 1764001000000 (webhook order, dead letters) on existing events', () => {
  let db: TestDb;
  let ds: DataSource;
  const at = MIGRATIONS.indexOf(WebhookDelivery1764001000000);

  beforeAll(async () => {
    db = await createTestDb();
    ds = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS.slice(0, at), migrationsTableName: 'migrations', logging: false });
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('numbers each connection’s events in id order, makes the earliest undelivered one the head, and keeps counters for live connections', async () => {
    const [a, b, gone] = [randomUUID(), randomUUID(), randomUUID()];
    const insert = (type: string, connectionId: string | null, delivered: boolean) =>
      ds.query(`INSERT INTO webhook_outbox (event_type, payload, delivered_at) VALUES ($1, $2, ${delivered ? 'now()' : 'NULL'})`, [
        type,
        JSON.stringify(connectionId ? { connectionId, userId: 'u', platform: 'x' } : { userId: 'u' }),
      ]);
    await insert('connection.created', a, true);
    await insert('connection.created', b, true);
    await insert('connection.refresh_failed', a, false);
    await insert('connection.deleted', gone, true);
    await insert('connection.recovered', a, false);
    await insert('connection.created', null, false); // no connection named: a line of its own
    await ds.query(
      `INSERT INTO webhook_outbox (event_type, payload, delivered_at, created_at) VALUES ('connection.created', $1, now(), now() - interval '2 days')`,
      [JSON.stringify({ connectionId: gone })],
    );

    await ds.destroy();
    // Up to this migration, so that the revert below is this migration's.
    ds = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS.slice(0, at + 1), migrationsTableName: 'migrations', logging: false });
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });

    const rows = (await ds.query(
      'SELECT event_type, connection_id, seq::int AS seq, head, delivered_at IS NOT NULL AS delivered, queued_at = created_at AS queued_then FROM webhook_outbox ORDER BY id',
    )) as Record<string, unknown>[];
    expect(
      rows.map(({ event_type, connection_id, seq, head, delivered }) => [
        event_type,
        connection_id === a ? 'a' : connection_id === b ? 'b' : connection_id === gone ? 'gone' : 'other',
        seq,
        head,
        delivered,
      ]),
    ).toEqual([
      ['connection.created', 'a', 1, false, true],
      ['connection.created', 'b', 1, false, true],
      ['connection.refresh_failed', 'a', 2, true, false],
      ['connection.deleted', 'gone', 1, false, true],
      ['connection.recovered', 'a', 3, false, false],
      ['connection.created', 'other', 1, true, false],
      ['connection.created', 'gone', 2, false, true],
    ]);
    expect(rows.every((r) => r.queued_then === true)).toBe(true);
    const counters = (await ds.query('SELECT connection_id, last_seq::int AS last_seq FROM webhook_sequences')) as {
      connection_id: string;
      last_seq: number;
    }[];
    // A, B and the unnamed event's line go on numbering; the deleted connection has none.
    expect(new Map(counters.map((c) => [c.connection_id, c.last_seq]))).toEqual(
      new Map([
        [a, 3],
        [b, 1],
        [rows[5]!.connection_id as string, 1],
      ]),
    );

    await ds.undoLastMigration({ transaction: 'each' });
    expect(await ds.query(`SELECT count(*)::int AS n FROM webhook_outbox WHERE delivered_at IS NULL`)).toEqual([{ n: 3 }]);
    await ds.runMigrations({ transaction: 'each' });
  });
});
