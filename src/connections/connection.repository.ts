import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
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
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(Connection);
  }

  findForUser(userId: string, platform: string, manager?: EntityManager): Promise<Connection | null> {
    return this.repo(manager).findOneBy({ userId, platform });
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
