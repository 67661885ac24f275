import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { affectedRows, resultRows } from '../common/query-result.js';
import { ConnectSession } from './connect-session.entity.js';

export type NewConnectSession = Pick<
  ConnectSession,
  'tokenHash' | 'userId' | 'platforms' | 'connectionId' | 'scopes' | 'returnUrl' | 'createdBy' | 'expiresAt'
>;

/** The only queries of connect_sessions. */
@Injectable()
export class ConnectSessionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(ConnectSession);
  }

  async insert(session: NewConnectSession): Promise<void> {
    await this.repo.insert(session);
  }

  findByTokenHash(tokenHash: string): Promise<ConnectSession | null> {
    return this.repo.findOneBy({ tokenHash });
  }

  findById(id: string): Promise<ConnectSession | null> {
    return this.repo.findOneBy({ id });
  }

  /** Spends the link, atomically: only an unused, unexpired session, so two clicks start one flow. */
  async use(id: string, platform: string, popup: boolean): Promise<boolean> {
    const rows = await this.dataSource.query(
      `UPDATE connect_sessions SET used_at = now(), used_platform = $2, popup = $3
       WHERE id = $1 AND used_at IS NULL AND expires_at > now() RETURNING id`,
      [id, platform, popup],
    );
    return resultRows(rows).length === 1;
  }

  /** Retention: up to `limit` sessions that expired more than `graceMs` ago (ix_connect_sessions_expires, then the primary key). */
  async deleteExpired(graceMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(
        `DELETE FROM connect_sessions WHERE id = ANY(ARRAY(
           SELECT id FROM connect_sessions WHERE expires_at < now() - $1::bigint * interval '1 millisecond' ORDER BY expires_at LIMIT $2))`,
        [graceMs, limit],
      ),
    );
  }
}
