import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdminApiKey } from './admin-api-key.entity.js';

export type AdminApiKeyOwner = { adminId: string; email: string; tokenHash: string };

@Injectable()
export class AdminApiKeyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(key: Pick<AdminApiKey, 'adminId' | 'tokenHash' | 'displayPrefix'>): Promise<void> {
    await this.dataSource.getRepository(AdminApiKey).insert(key);
  }

  /** The key's admin, by the key's hash (uq_admin_api_keys_token). */
  async findOwner(tokenHash: string): Promise<AdminApiKeyOwner | null> {
    const [row] = (await this.dataSource.query(
      `SELECT k.admin_id, u.email, k.token_hash
         FROM admin_api_keys k JOIN admin_users u ON u.id = k.admin_id
        WHERE k.token_hash = $1`,
      [tokenHash],
    )) as { admin_id: string; email: string; token_hash: string }[];
    return row ? { adminId: row.admin_id, email: row.email, tokenHash: row.token_hash } : null;
  }
}
