import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, type Page, toPage } from '../common/keyset-cursor.js';
import { likeEscape } from '../common/like-escape.js';
import { resultRows } from '../common/query-result.js';
import { sqlParams } from '../common/sql-params.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import { expiringSql, renewalModes } from './expiring.js';
import { refreshDueSql } from './refresh-due.js';

/** A connection as admins see it: no token column is ever selected. */
export type AdminConnectionRow = {
  id: string;
  user_id: string;
  platform: string;
  account_id: string | null;
  username: string | null;
  status: string;
  access_token_expires_at: Date | null;
  refresh_token_expires_at: Date | null;
  last_refreshed_at: Date | null;
  consecutive_failures: number;
  last_refresh_error: string | null;
  next_retry_at: Date | null;
  connected_at: Date;
  scopes: string[];
  scopes_source: string;
  requested_scopes: string[];
  label: string | null;
  reconnected_at: Date | null;
  reconnect_count: number;
  token_version: number;
  /** expiring.ts, computed with the row. */
  expiring: boolean;
  sort_key?: string;
};

export type ConnectionListFilter = {
  platform?: string;
  /** expiring: ends soon and nothing renews it without the user (expiring.ts); failing: active with consecutive failures. */
  status?: 'active' | 'expiring' | 'failing' | 'needs_reauth';
  userId?: string;
  account?: string;
  sort?: keyof typeof SORTS;
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
};

/** `expiring`: expiring.ts; `due`: due for refresh (refresh-due.ts, the backlog gauge). */
export type PlatformCounts = { platform: string; total: number; active: number; expiring: number; due: number; failing: number; needs_reauth: number };

// One index per sort order (migration 1764000300000), id as tie-breaker.
const SORTS = {
  expiry: { expr: "coalesce(c.access_token_expires_at, 'infinity'::timestamptz)", cast: 'timestamptz' },
  last_refresh: { expr: "coalesce(c.last_refreshed_at, '-infinity'::timestamptz)", cast: 'timestamptz' },
  failures: { expr: 'c.consecutive_failures', cast: 'int' },
  connected: { expr: 'c.connected_at', cast: 'timestamptz' },
} as const;

const COLUMNS = `c.id, c.user_id, c.platform, c.account_id, c.username, c.status, c.access_token_expires_at, c.refresh_token_expires_at,
  c.last_refreshed_at, c.consecutive_failures, c.last_refresh_error, c.next_retry_at, c.connected_at, c.scopes, c.scopes_source, c.requested_scopes, c.label,
  c.reconnected_at, c.reconnect_count, c.token_version`;

/** The admin API's read model of `connections`: keyset-paginated lists, one row, per-platform counts (in the background). */
@Injectable()
export class ConnectionAdminQueryRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ProviderRegistry,
  ) {}

  private expiring(p: (value: unknown) => string): string {
    return expiringSql(renewalModes(this.registry.list()), this.config.expiryWarningMs, p);
  }

  async list(q: ConnectionListFilter): Promise<Page<AdminConnectionRow>> {
    const sortName = q.sort ?? 'expiry';
    const sort = SORTS[sortName];
    const desc = q.order === 'desc';
    const cursorSort = `${sortName}:${desc ? 'desc' : 'asc'}`;
    const limit = q.limit ?? 50;
    const where: string[] = [];
    const { params, p } = sqlParams();
    if (q.platform) where.push(`c.platform = ${p(q.platform)}`);
    if (q.status === 'needs_reauth') where.push(`c.status = 'needs_reauth'`);
    if (q.status === 'active') where.push(`c.status = 'active'`);
    if (q.status === 'failing') where.push(`c.status = 'active' AND c.consecutive_failures > 0`);
    if (q.status === 'expiring') where.push(this.expiring(p));
    if (q.userId) where.push(`c.user_id LIKE ${p(`${likeEscape(q.userId)}%`)}`);
    if (q.account) {
      // Trigram indexes serve substrings of three characters or more; shorter ones match the start (served too).
      const pattern = p(`${q.account.length < 3 ? '' : '%'}${likeEscape(q.account)}%`);
      where.push(`(c.account_id ILIKE ${pattern} OR c.username ILIKE ${pattern})`);
    }
    if (q.cursor) {
      const [key, id] = decodeCursor(q.cursor, cursorSort);
      where.push(`(${sort.expr}, c.id) ${desc ? '<' : '>'} (${p(key)}::${sort.cast}, ${p(id)}::uuid)`);
    }
    const dir = desc ? 'DESC' : 'ASC';
    const sql = `SELECT ${COLUMNS}, ${this.expiring(p)} AS expiring, (${sort.expr})::text AS sort_key FROM connections c
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${sort.expr} ${dir}, c.id ${dir} LIMIT ${limit + 1}`;
    return toPage(resultRows<AdminConnectionRow>(await this.dataSource.query(sql, params)), limit, cursorSort);
  }

  async findById(id: string): Promise<AdminConnectionRow | undefined> {
    const { params, p } = sqlParams();
    const sql = `SELECT ${COLUMNS}, ${this.expiring(p)} AS expiring FROM connections c WHERE c.id = ${p(id)}`;
    return resultRows<AdminConnectionRow>(await this.dataSource.query(sql, params))[0];
  }

  /** One scan of the whole table: ConnectionCountsService runs it in the background, never a request. */
  async countsByPlatform(): Promise<PlatformCounts[]> {
    const { params, p } = sqlParams();
    return resultRows<PlatformCounts>(
      await this.dataSource.query(
        `SELECT c.platform, count(*)::int AS total,
           count(*) FILTER (WHERE c.status = 'active')::int AS active,
           count(*) FILTER (WHERE ${this.expiring(p)})::int AS expiring,
           count(*) FILTER (WHERE ${refreshDueSql('c')})::int AS due,
           count(*) FILTER (WHERE c.status = 'active' AND c.consecutive_failures > 0)::int AS failing,
           count(*) FILTER (WHERE c.status = 'needs_reauth')::int AS needs_reauth
         FROM connections c GROUP BY c.platform ORDER BY c.platform`,
        params,
      ),
    );
  }
}
