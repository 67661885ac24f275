import { Column, Entity } from 'typeorm';
import { ENTITIES } from '../../src/database/entities.js';
import { describeDrift, schemaDrift } from '../../src/database/schema-drift.js';
import { TokenAccessAudit } from '../../src/internal/token-access-audit.entity.js';
import { RefreshLog } from '../../src/tokens/refresh-log.entity.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

// The check behind `npm run migrations:check`: entities and migrations must describe one schema.

/** A throwaway copy of RefreshLog with one column the migrations never create. */
@Entity({ name: 'refresh_log' })
class DriftedRefreshLog extends RefreshLog {
  @Column({ type: 'text', nullable: true })
  note!: string | null;
}

describe('entities against migrations', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('finds nothing to generate for the real entities', async () => {
    const drift = await schemaDrift(db.url);
    expect(drift).toEqual({ statements: [], tablesWithoutEntity: [] });
    expect(describeDrift(drift)).toBeNull();
  });

  it('fails on an entity with a column the migrations lack, listing the statement', async () => {
    const drift = await schemaDrift(db.url, [...ENTITIES.filter((e) => e !== RefreshLog), DriftedRefreshLog]);
    expect(drift.statements).toEqual(['ALTER TABLE "refresh_log" ADD "note" text']);
    expect(describeDrift(drift)).toContain('ALTER TABLE "refresh_log" ADD "note" text;');
  });

  it('fails on a table no entity describes', async () => {
    const drift = await schemaDrift(
      db.url,
      ENTITIES.filter((e) => e !== TokenAccessAudit),
    );
    expect(drift).toEqual({ statements: [], tablesWithoutEntity: ['token_access_audit'] });
    expect(describeDrift(drift)).toContain('Tables without an entity: token_access_audit');
  });
});
