import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Pool } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { sqlParams } from '../common/sql-params.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import type { Secret } from '../crypto/secret.js';
import { Connection } from './connection.entity.js';
import { refreshDueSql } from './refresh-due.js';

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

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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
    const [row] = manager
      ? ((await manager.query(this.findSql, params)) as Record<string, unknown>[])
      : (await ((this.dataSource.driver as PostgresDriver).master as Pool).query<Record<string, unknown>>(this.findSql, params)).rows;
    if (!row) return null;
    const entity = metadata.create(undefined, { fromDeserializer: true }) as Connection;
    for (const column of columns) column.setEntityValue(entity, this.dataSource.driver.prepareHydratedValue(row[column.databaseName], column));
    return entity;
  }

  /** The connection as stored (with tokens), or an error when it is gone. */
  findByIdOrFail(id: string): Promise<Connection> {
    return this.repo().findOneByOrFail({ id });
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

  /** The oc_connections gauge (ix_connections_platform_status). */
  async countByPlatformAndStatus(): Promise<{ platform: string; status: string; n: number }[]> {
    return (await this.dataSource.query('SELECT platform, status, count(*)::int AS n FROM connections GROUP BY platform, status')) as {
      platform: string;
      status: string;
      n: number;
    }[];
  }

  /** The oc_refresh_backlog gauge: connections due for refresh (refresh-due.ts). */
  async countDue(): Promise<number> {
    const { params, p } = sqlParams();
    const [row] = (await this.dataSource.query(`SELECT count(*)::int AS n FROM connections c WHERE ${refreshDueSql(this.config.refresh, p)}`, params)) as {
      n: number;
    }[];
    return row?.n ?? 0;
  }
}
