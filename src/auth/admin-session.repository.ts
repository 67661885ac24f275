import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { affectedRows } from '../common/query-result.js';
import { AdminSession } from './admin-session.entity.js';

export type ActiveAdminSession = { id: string; adminId: string; email: string; csrfHash: string; expiresAt: Date };

/** Named queries on admin_sessions; every lookup goes through a unique or indexed column. */
@Injectable()
export class AdminSessionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(session: Pick<AdminSession, 'adminId' | 'tokenHash' | 'csrfHash' | 'expiresAt'>): Promise<void> {
    await this.dataSource.getRepository(AdminSession).insert(session);
  }

  /** The unexpired session behind a cookie's hash, with its admin (uq_admin_sessions_token). */
  async findActive(tokenHash: string): Promise<ActiveAdminSession | null> {
    const [row] = (await this.dataSource.query(
      `SELECT s.id, s.admin_id, u.email, s.csrf_hash, s.expires_at
         FROM admin_sessions s JOIN admin_users u ON u.id = s.admin_id
        WHERE s.token_hash = $1 AND s.expires_at > now()`,
      [tokenHash],
    )) as { id: string; admin_id: string; email: string; csrf_hash: string; expires_at: string | Date }[];
    return row ? { id: row.id, adminId: row.admin_id, email: row.email, csrfHash: row.csrf_hash, expiresAt: new Date(row.expires_at) } : null;
  }

  async setCsrfHash(id: string, csrfHash: string): Promise<void> {
    await this.dataSource.getRepository(AdminSession).update({ id }, { csrfHash });
  }

  async delete(id: string): Promise<void> {
    await this.dataSource.getRepository(AdminSession).delete({ id });
  }

  /** Retention: up to `limit` expired sessions (ix_admin_sessions_expires). */
  async deleteExpired(limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(
        'DELETE FROM admin_sessions WHERE id IN (SELECT id FROM admin_sessions WHERE expires_at <= now() ORDER BY expires_at LIMIT $1)',
        [limit],
      ),
    );
  }
}
