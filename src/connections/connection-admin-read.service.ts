import { Injectable } from '@nestjs/common';
import type { Page } from '../common/keyset-cursor.js';
import { type AdminConnectionRow, ConnectionAdminQueryRepository, type ConnectionListFilter } from './connection-admin-query.repository.js';

export type { AdminConnectionRow, ConnectionListFilter } from './connection-admin-query.repository.js';

/** The admin API's read model of `connections` (no token column is ever selected). */
@Injectable()
export class ConnectionAdminReadService {
  constructor(private readonly queries: ConnectionAdminQueryRepository) {}

  /** Keyset-paginated, filtered list ("expiring" is src/connections/expiring.ts). */
  list(q: ConnectionListFilter): Promise<Page<AdminConnectionRow>> {
    return this.queries.list(q);
  }

  findById(id: string): Promise<AdminConnectionRow | undefined> {
    return this.queries.findById(id);
  }
}
