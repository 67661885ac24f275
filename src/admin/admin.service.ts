import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { ConnectionsService } from '../connections/connections.service.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import { TokenRefreshService } from '../tokens/token-refresh.service.js';
import type {
  AdminConnectionDto,
  AuditListQueryDto,
  AuditPageDto,
  ConnectionDetailDto,
  ConnectionListQueryDto,
  ConnectionPageDto,
  FailureListQueryDto,
  RefreshFailureDto,
  RefreshFailurePageDto,
  RefreshResultDto,
  SummaryDto,
} from './admin.dto.js';
import { AdminException } from './admin.exception.js';
import { AdminQueryRepository } from './admin-query.repository.js';

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
const COOLDOWN_MS = 30_000;

function toConnection(r: Row): AdminConnectionDto {
  return {
    id: r.id as string,
    userId: r.user_id as string,
    platform: r.platform as string,
    accountId: (r.account_id as string) ?? null,
    username: (r.username as string) ?? null,
    status: r.status as string,
    accessTokenExpiresAt: iso(r.access_token_expires_at),
    refreshTokenExpiresAt: iso(r.refresh_token_expires_at),
    lastRefreshedAt: iso(r.last_refreshed_at),
    consecutiveFailures: r.consecutive_failures as number,
    lastErrorClass: (r.last_refresh_error as string) ?? null,
    nextRetryAt: iso(r.next_retry_at),
    connectedAt: iso(r.connected_at)!,
  };
}

function toFailure(r: Row): RefreshFailureDto {
  return {
    id: String(r.id),
    connectionId: (r.connection_id as string) ?? null,
    platform: r.platform as string,
    userId: r.user_id as string,
    occurredAt: iso(r.occurred_at)!,
    trigger: r.trigger as string,
    failureClass: r.failure_class as string,
    providerCode: (r.provider_code as string) ?? null,
    httpStatus: (r.http_status as number) ?? null,
    message: r.message as string,
  };
}

/** What admins see and do. Never returns a token. */
@Injectable()
export class AdminService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queries: AdminQueryRepository,
    private readonly refresher: TokenRefreshService,
    private readonly connections: ConnectionsService,
    private readonly registry: ProviderRegistry,
  ) {}

  async summary(): Promise<SummaryDto> {
    const [counts, hourly, valuesByKeyId] = await Promise.all([this.queries.summaryCounts(this.config.refresh.scheduledWindowMs), this.queries.hourlyRefreshes(), this.queries.valuesByKeyId()]);
    const platforms = counts.map((r) => ({ platform: r.platform as string, total: r.total as number, active: r.active as number, expiring: r.expiring as number, failing: r.failing as number, needsReauth: r.needs_reauth as number }));
    const totals = platforms.reduce((t, p) => ({ platform: 'all', total: t.total + p.total, active: t.active + p.active, expiring: t.expiring + p.expiring, failing: t.failing + p.failing, needsReauth: t.needsReauth + p.needsReauth }), {
      platform: 'all',
      total: 0,
      active: 0,
      expiring: 0,
      failing: 0,
      needsReauth: 0,
    });
    // 24 hourly buckets, empty ones included, so charts need no gap filling.
    const byHour = new Map(hourly.map((h) => [new Date(h.hour as string).getTime(), h]));
    const firstHour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 23 * 3_600_000;
    const buckets = Array.from({ length: 24 }, (_, i) => {
      const t = firstHour + i * 3_600_000;
      const h = byHour.get(t);
      return { hour: new Date(t).toISOString(), refreshes: (h?.refreshes as number) ?? 0, failures: (h?.failures as number) ?? 0 };
    });
    return {
      platforms,
      totals,
      refreshes24h: buckets.reduce((n, b) => n + b.refreshes, 0),
      failures24h: buckets.reduce((n, b) => n + b.failures, 0),
      hourly: buckets,
      valuesByKeyId,
    };
  }

  async listConnections(q: ConnectionListQueryDto): Promise<ConnectionPageDto> {
    const page = await this.queries.listConnections(q, this.config.refresh.scheduledWindowMs);
    return { items: page.rows.map(toConnection), nextCursor: page.nextCursor };
  }

  async connection(id: string): Promise<ConnectionDetailDto> {
    const row = await this.queries.connection(id);
    if (!row) throw AdminException.notFound();
    const [history, failures] = await Promise.all([this.queries.history(id), this.queries.listFailures({ connectionId: id, limit: 20 })]);
    return {
      ...toConnection(row),
      scopes: row.scopes as string[],
      history: history.map((h) => ({ occurredAt: iso(h.occurred_at)!, trigger: h.trigger as string, outcome: h.outcome as string, durationMs: h.duration_ms as number })),
      failures: failures.rows.map(toFailure),
    };
  }

  /** Forces a refresh through the same single-flight path; a cooldown protects failing providers. */
  async refresh(id: string): Promise<RefreshResultDto> {
    const row = await this.queries.connection(id);
    if (!row) throw AdminException.notFound();
    if (row.status === 'needs_reauth') throw AdminException.reauthRequired();
    if (!this.registry.has(row.platform as string)) throw AdminException.platformDisabled();
    const last = await this.queries.lastAdminRefresh(id);
    if (last && Date.now() - last.getTime() < COOLDOWN_MS) throw AdminException.cooldown(Math.ceil((COOLDOWN_MS - (Date.now() - last.getTime())) / 1000));
    await this.refresher.refresh(id, 'admin', { force: true });
    const after = await this.queries.connection(id);
    if (!after) throw AdminException.notFound();
    return { ...toConnection(after), refreshed: (after.token_version as number) > (row.token_version as number) };
  }

  async disconnect(id: string): Promise<{ connected: false }> {
    const row = await this.queries.connection(id);
    if (!row) throw AdminException.notFound();
    return this.connections.disconnect(row.user_id as string, row.platform as string);
  }

  async failures(q: FailureListQueryDto): Promise<RefreshFailurePageDto> {
    const page = await this.queries.listFailures(q);
    return { items: page.rows.map(toFailure), nextCursor: page.nextCursor };
  }

  async audit(q: AuditListQueryDto): Promise<AuditPageDto> {
    const page = await this.queries.listAudit(q);
    return {
      items: page.rows.map((r) => ({ id: String(r.id), service: r.service as string, userId: r.user_id as string, platform: r.platform as string, accessedAt: iso(r.accessed_at)! })),
      nextCursor: page.nextCursor,
    };
  }
}
