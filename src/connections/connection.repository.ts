import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Pool } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import type { Secret } from '../crypto/secret.js';
import { Connection, type ScopesSource } from './connection.entity.js';

export type NewGrant = {
  userId: string;
  platform: string;
  accountId: string | null;
  username: string | null;
  scopes: string[];
  scopesSource: ScopesSource;
  requestedScopes: string[];
  accessToken: Secret;
  refreshToken: Secret | null;
  accessTokenExpiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
  accessTokenIssuedAt: Date;
};

/** Which of a user's connections of a platform: all, one by id, or one by provider account id. */
export type ConnectionSelector = { connectionId?: string; accountId?: string };

@Injectable()
export class ConnectionRepository {
  private readonly sql = new Map<string, string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(Connection);
  }

  /**
   * The hot path of internal-token: the user's connections of a platform (most recently connected
   * first), narrowed by the selector, at most `limit`. One statement per selector kind, built once;
   * rows are hydrated through TypeORM's own column metadata (types, the encrypted-column transformer,
   * `select: false` columns left out), so the result equals a `find` without its query builder,
   * result transformer and query runner (about 20 % of the CPU of a call, see bench/README.md).
   * Served by uq_connections_user_account (user_id, platform, coalesce(account_id, '')).
   */
  async findForUser(userId: string, platform: string, select: ConnectionSelector = {}, limit = 1, manager?: EntityManager): Promise<Connection[]> {
    const metadata = this.dataSource.getMetadata(Connection);
    const columns = metadata.columns.filter((c) => c.isSelect);
    const kind = select.connectionId !== undefined ? 'id' : select.accountId !== undefined ? 'account' : 'all';
    let sql = this.sql.get(kind);
    if (!sql) {
      const narrow = { id: ' AND "id" = $4::uuid', account: ` AND coalesce("account_id", '') = $4`, all: '' }[kind];
      sql = `SELECT ${columns.map((c) => `"${c.databaseName}"`).join(', ')} FROM "${metadata.tableName}" WHERE "user_id" = $1 AND "platform" = $2${narrow} ORDER BY "connected_at" DESC, "id" DESC LIMIT $3`;
      this.sql.set(kind, sql);
    }
    const params: unknown[] = [userId, platform, limit];
    if (kind !== 'all') params.push(select.connectionId ?? select.accountId);
    // Outside a transaction, straight on the driver's pool: TypeORM's query runner (no query logging
    // is configured) only adds a connect/release round of promises. Errors stay pg's own, which the
    // exception filter classifies the same way.
    const rows = manager
      ? ((await manager.query(sql, params)) as Record<string, unknown>[])
      : (await ((this.dataSource.driver as PostgresDriver).master as Pool).query<Record<string, unknown>>(sql, params)).rows;
    return rows.map((row) => {
      const entity = metadata.create(undefined, { fromDeserializer: true }) as Connection;
      for (const column of columns) column.setEntityValue(entity, this.dataSource.driver.prepareHydratedValue(row[column.databaseName], column));
      return entity;
    });
  }

  /** The connection as stored (with tokens), or an error when it is gone. */
  findByIdOrFail(id: string): Promise<Connection> {
    return this.repo().findOneByOrFail({ id });
  }

  findById(id: string): Promise<Connection | null> {
    return this.repo().findOneBy({ id });
  }

  /** One of the user's connections, or null (another user's id finds nothing). */
  findOwned(userId: string, id: string, manager?: EntityManager): Promise<Connection | null> {
    return this.repo(manager).findOneBy({ id, userId });
  }

  /** Every connection of the user: by platform, most recently connected first. */
  listForUser(userId: string): Promise<Connection[]> {
    return this.repo().find({ where: { userId }, order: { platform: 'ASC', connectedAt: 'DESC', id: 'DESC' } });
  }

  /**
   * Serialises the connects of one (user, platform) until the transaction ends, so the account
   * limit and "same account means same connection" hold under concurrent connects.
   */
  async lockUserPlatform(manager: EntityManager, userId: string, platform: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`connections ${JSON.stringify([userId, platform])}`]);
  }

  async countForUser(manager: EntityManager, userId: string, platform: string): Promise<number> {
    return this.repo(manager).countBy({ userId, platform });
  }

  /** The user's connection of this provider account on this platform, if any. */
  async findByAccount(manager: EntityManager, userId: string, platform: string, accountId: string | null): Promise<Connection | null> {
    const [found] = await this.findForUser(userId, platform, { accountId: accountId ?? '' }, 1, manager);
    return found ?? null;
  }

  async insertGrant(manager: EntityManager, grant: NewGrant): Promise<Connection> {
    const { identifiers } = await this.repo(manager).insert({ ...grant, status: 'active', connectedAt: new Date() });
    return this.repo(manager).findOneByOrFail({ id: identifiers[0]!.id as string });
  }

  /** A reconnect in place: new tokens and scopes, status active, failure state and lease cleared. */
  async reconnectGrant(manager: EntityManager, id: string, grant: NewGrant, previousAccessTokenHash: string): Promise<Connection> {
    await this.repo(manager)
      .createQueryBuilder()
      .update(Connection)
      .set({
        username: grant.username,
        previousAccessTokenHash,
        scopes: grant.scopes,
        scopesSource: grant.scopesSource,
        requestedScopes: grant.requestedScopes,
        accessToken: grant.accessToken,
        refreshToken: grant.refreshToken,
        accessTokenExpiresAt: grant.accessTokenExpiresAt,
        refreshTokenExpiresAt: grant.refreshTokenExpiresAt,
        accessTokenIssuedAt: grant.accessTokenIssuedAt,
        status: 'active',
        lastRefreshError: null,
        lastRefreshErrorCode: null,
        consecutiveFailures: 0,
        nextRetryAt: null,
        refreshLeaseOwner: null,
        refreshLeaseExpiresAt: null,
        connectedAt: () => 'now()',
        reconnectedAt: () => 'now()',
        reconnectCount: () => 'reconnect_count + 1',
        tokenVersion: () => 'token_version + 1',
      })
      .where('id = :id', { id })
      .execute();
    return this.repo(manager).findOneByOrFail({ id });
  }

  /** Sets or clears the user's label; false when the connection is not theirs. */
  async setLabel(userId: string, id: string, label: string | null): Promise<boolean> {
    const result = await this.repo().update({ id, userId }, { label });
    return (result.affected ?? 0) > 0;
  }

  /** Deletes one connection of the user; returns whether a row existed. */
  async deleteOwned(manager: EntityManager, userId: string, id: string): Promise<boolean> {
    const result = await this.repo(manager).delete({ id, userId });
    return (result.affected ?? 0) > 0;
  }
}
