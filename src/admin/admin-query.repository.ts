import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuditListQueryDto, ConnectionListQueryDto, FailureListQueryDto } from './admin.dto.js';
import { AdminException } from './admin.exception.js';

type Row = Record<string, unknown>;
export type Page = { rows: Row[]; nextCursor: string | null };

const SORTS = {
  expiry: { expr: "coalesce(c.access_token_expires_at, 'infinity'::timestamptz)", cast: 'timestamptz' },
  last_refresh: { expr: "coalesce(c.last_refreshed_at, '-infinity'::timestamptz)", cast: 'timestamptz' },
  failures: { expr: 'c.consecutive_failures', cast: 'int' },
  connected: { expr: 'c.connected_at', cast: 'timestamptz' },
} as const;

const CONNECTION_COLUMNS = `c.id, c.user_id, c.platform, c.account_id, c.username, c.status, c.access_token_expires_at, c.refresh_token_expires_at,
  c.last_refreshed_at, c.consecutive_failures, c.last_refresh_error, c.next_retry_at, c.connected_at, c.scopes, c.token_version`;

const rows = (result: unknown): Row[] => (Array.isArray((result as unknown[])[0]) ? ((result as unknown[])[0] as Row[]) : (result as Row[]));
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function encodeCursor(sort: string, key: unknown, id: unknown): string {
  return Buffer.from(JSON.stringify([sort, String(key), String(id)])).toString('base64url');
}

function decodeCursor(cursor: string, sort: string): [string, string] {
  try {
    const [s, key, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string, string];
    if (s !== sort || typeof key !== 'string' || typeof id !== 'string' || key.length > 64 || id.length > 64) throw new Error('cursor');
    return [key, id];
  } catch {
    throw AdminException.badCursor();
  }
}

/**
 * Read models for the admin API. Every list is keyset-paginated on (sort key, id), so pages stay
 * fast at millions of rows and neither skip nor repeat rows while others change.
 */
@Injectable()
export class AdminQueryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async listConnections(q: ConnectionListQueryDto, scheduledWindowMs: number): Promise<Page> {
    const sortName = q.sort ?? 'expiry';
    const sort = SORTS[sortName];
    const desc = q.order === 'desc';
    const limit = q.limit ?? 50;
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (q.platform) where.push(`c.platform = ${p(q.platform)}`);
    if (q.status === 'needs_reauth') where.push(`c.status = 'needs_reauth'`);
    if (q.status === 'active') where.push(`c.status = 'active'`);
    if (q.status === 'failing') where.push(`c.status = 'active' AND c.consecutive_failures > 0`);
    if (q.status === 'expiring') where.push(`c.status = 'active' AND c.access_token_expires_at < now() + ${p(scheduledWindowMs)} * interval '1 millisecond'`);
    if (q.userId) where.push(`c.user_id LIKE ${p(`${likeEscape(q.userId)}%`)}`);
    if (q.account) {
      const pattern = p(`%${likeEscape(q.account)}%`);
      where.push(`(c.account_id ILIKE ${pattern} OR c.username ILIKE ${pattern})`);
    }
    if (q.cursor) {
      const [key, id] = decodeCursor(q.cursor, `${sortName}:${desc ? 'desc' : 'asc'}`);
      where.push(`(${sort.expr}, c.id) ${desc ? '<' : '>'} (${p(key)}::${sort.cast}, ${p(id)}::uuid)`);
    }
    const dir = desc ? 'DESC' : 'ASC';
    const sql = `SELECT ${CONNECTION_COLUMNS}, (${sort.expr})::text AS sort_key FROM connections c
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${sort.expr} ${dir}, c.id ${dir} LIMIT ${limit + 1}`;
    const found = rows(await this.dataSource.query(sql, params));
    const more = found.length > limit;
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    return { rows: page, nextCursor: more && last ? encodeCursor(`${sortName}:${desc ? 'desc' : 'asc'}`, last.sort_key, last.id) : null };
  }

  async connection(id: string): Promise<Row | undefined> {
    return rows(await this.dataSource.query(`SELECT ${CONNECTION_COLUMNS} FROM connections c WHERE c.id = $1`, [id]))[0];
  }

  async history(connectionId: string, limit = 50): Promise<Row[]> {
    return rows(await this.dataSource.query('SELECT occurred_at, trigger, outcome, duration_ms FROM refresh_log WHERE connection_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2', [connectionId, limit]));
  }

  async lastAdminRefresh(connectionId: string): Promise<Date | null> {
    const [row] = rows(await this.dataSource.query(`SELECT max(occurred_at) AS at FROM refresh_log WHERE connection_id = $1 AND trigger = 'admin'`, [connectionId]));
    return row?.at ? new Date(row.at as string) : null;
  }

  async listFailures(q: FailureListQueryDto): Promise<Page> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (q.platform) where.push(`platform = ${p(q.platform)}`);
    if (q.failureClass) where.push(`failure_class = ${p(q.failureClass)}`);
    if (q.connectionId) where.push(`connection_id = ${p(q.connectionId)}`);
    if (q.from) where.push(`occurred_at >= ${p(q.from)}::timestamptz`);
    if (q.to) where.push(`occurred_at < ${p(q.to)}::timestamptz`);
    return this.newestFirst('refresh_failures', 'occurred_at', 'id, connection_id, platform, user_id, occurred_at, trigger, failure_class, provider_code, http_status, message', where, params, q);
  }

  async listAudit(q: AuditListQueryDto): Promise<Page> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (q.service) where.push(`service = ${p(q.service)}`);
    if (q.userId) where.push(`user_id = ${p(q.userId)}`);
    if (q.platform) where.push(`platform = ${p(q.platform)}`);
    return this.newestFirst('token_access_audit', 'accessed_at', 'id, service, user_id, platform, accessed_at', where, params, q);
  }

  private async newestFirst(table: string, timeColumn: string, columns: string, where: string[], params: unknown[], q: { limit?: number; cursor?: string }): Promise<Page> {
    const limit = q.limit ?? 50;
    if (q.cursor) {
      const [key, id] = decodeCursor(q.cursor, table);
      where.push(`(${timeColumn}, id) < ($${params.push(key)}::timestamptz, $${params.push(id)}::bigint)`);
    }
    const sql = `SELECT ${columns}, ${timeColumn}::text AS sort_key FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${timeColumn} DESC, id DESC LIMIT ${limit + 1}`;
    const found = rows(await this.dataSource.query(sql, params));
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    return { rows: page, nextCursor: found.length > limit && last ? encodeCursor(table, last.sort_key, last.id) : null };
  }

  async summaryCounts(scheduledWindowMs: number): Promise<Row[]> {
    return rows(
      await this.dataSource.query(
        `SELECT platform, count(*)::int AS total,
           count(*) FILTER (WHERE status = 'active')::int AS active,
           count(*) FILTER (WHERE status = 'active' AND access_token_expires_at < now() + $1 * interval '1 millisecond')::int AS expiring,
           count(*) FILTER (WHERE status = 'active' AND consecutive_failures > 0)::int AS failing,
           count(*) FILTER (WHERE status = 'needs_reauth')::int AS needs_reauth
         FROM connections GROUP BY platform ORDER BY platform`,
        [scheduledWindowMs],
      ),
    );
  }

  async hourlyRefreshes(): Promise<Row[]> {
    return rows(
      await this.dataSource.query(
        `SELECT date_trunc('hour', occurred_at) AS hour, count(*) FILTER (WHERE outcome = 'success')::int AS refreshes, count(*) FILTER (WHERE outcome = 'failure')::int AS failures
         FROM refresh_log WHERE occurred_at > now() - interval '24 hours' GROUP BY 1 ORDER BY 1`,
      ),
    );
  }

  /** How many encrypted values each key id still protects (key rotation progress). */
  async valuesByKeyId(): Promise<Record<string, number>> {
    const found = rows(
      await this.dataSource.query(
        `SELECT kid, count(*)::int AS n FROM (
           SELECT split_part(access_token, ':', 2) AS kid FROM connections
           UNION ALL SELECT split_part(refresh_token, ':', 2) FROM connections WHERE refresh_token IS NOT NULL
           UNION ALL SELECT split_part(code_verifier, ':', 2) FROM oauth_states WHERE code_verifier IS NOT NULL) v
         GROUP BY kid ORDER BY kid`,
      ),
    );
    return Object.fromEntries(found.map((r) => [r.kid as string, r.n as number]));
  }
}
