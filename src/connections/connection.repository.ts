import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Pool } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import type { Secret } from '../crypto/secret.js';
import { Connection } from './connection.entity.js';

export type NewGrant = {
  userId: string;
  platform: string;
  accountId: string | null;
  username: string | null;
  scopes: string[];
  accessToken: Secret;
  refreshToken: Secret | null;
  accessTokenExpiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
  accessTokenIssuedAt: Date;
};

@Injectable()
export class ConnectionRepository {
  private findSql?: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(Connection);
  }

  /**
   * The hot path of internal-token. One statement, built once; the row is hydrated through TypeORM's
   * own column metadata (types, the encrypted-column transformer, `select: false` columns left out),
   * so the result equals `findOneBy({ userId, platform })` without its query builder and result
   * transformer and query runner (about 20 % of the CPU of an internal-token call, see bench/README.md).
   */
  async findForUser(userId: string, platform: string, manager?: EntityManager): Promise<Connection | null> {
    const metadata = this.dataSource.getMetadata(Connection);
    const columns = metadata.columns.filter((c) => c.isSelect);
    this.findSql ??= `SELECT ${columns.map((c) => `"${c.databaseName}"`).join(', ')} FROM "${metadata.tableName}" WHERE "user_id" = $1 AND "platform" = $2 LIMIT 1`;
    const params = [userId, platform];
    // Outside a transaction, straight on the driver's pool: TypeORM's query runner (no query logging
    // is configured) only adds a connect/release round of promises. Errors stay pg's own, which the
    // exception filter classifies the same way.
    const [row] = manager ? ((await manager.query(this.findSql, params)) as Record<string, unknown>[]) : (await ((this.dataSource.driver as PostgresDriver).master as Pool).query<Record<string, unknown>>(this.findSql, params)).rows;
    if (!row) return null;
    const entity = metadata.create(undefined, { fromDeserializer: true }) as Connection;
    for (const column of columns) column.setEntityValue(entity, this.dataSource.driver.prepareHydratedValue(row[column.databaseName], column));
    return entity;
  }

  listForUser(userId: string): Promise<Connection[]> {
    return this.repo().find({ where: { userId }, order: { platform: 'ASC' } });
  }

  /** One row per (user, platform): a reconnect replaces tokens and clears the failure state. */
  async upsertGrant(grant: NewGrant, manager?: EntityManager): Promise<Connection> {
    await this.repo(manager).upsert({ ...grant, status: 'active', connectedAt: new Date() }, { conflictPaths: ['userId', 'platform'] });
    return this.repo(manager).findOneByOrFail({ userId: grant.userId, platform: grant.platform });
  }

  /** Deletes and returns whether a row existed. */
  async deleteForUser(userId: string, platform: string, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).delete({ userId, platform });
    return (result.affected ?? 0) > 0;
  }
}
