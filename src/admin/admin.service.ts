import { AssetsService } from '../assets/assets.service.js';
import { Injectable } from '@nestjs/common';
import { ProviderBreakerService } from '../breaker/provider-breaker.service.js';
import { type AdminConnectionRow, ConnectionAdminReadService } from '../connections/connection-admin-read.service.js';
import { ConnectionCountsService, type PlatformCounts } from '../connections/connection-counts.service.js';
import { ConnectionsService, missingScopes } from '../connections/connections.service.js';
import { ConnectionsException } from '../connections/connections.exception.js';
import { KeyUsageService } from '../crypto/key-usage.service.js';
import { TokenAuditService } from '../internal/token-audit.service.js';
import { ProviderRegistry } from '../providers/provider-registry.service.js';
import { RefreshHistoryService, type RefreshFailureRow } from '../tokens/refresh-history.service.js';
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

const iso = (v: Date | string | null | undefined) => (v === null || v === undefined ? null : new Date(v).toISOString());
const COOLDOWN_MS = 30_000;

function toConnection(r: AdminConnectionRow, required: readonly string[]): AdminConnectionDto {
  return {
    id: r.id,
    userId: r.user_id,
    platform: r.platform,
    accountId: r.account_id ?? null,
    username: r.username ?? null,
    status: r.status,
    accessTokenExpiresAt: iso(r.access_token_expires_at),
    refreshTokenExpiresAt: iso(r.refresh_token_expires_at),
    lastRefreshedAt: iso(r.last_refreshed_at),
    consecutiveFailures: r.consecutive_failures,
    lastErrorClass: r.last_refresh_error ?? null,
    nextRetryAt: iso(r.next_retry_at),
    connectedAt: iso(r.connected_at)!,
    label: r.label,
    missingScopes: missingScopes(r.scopes, required),
    reconnectCount: r.reconnect_count,
    expiring: r.expiring,
    reconnectedAt: iso(r.reconnected_at),
  };
}

function toFailure(r: RefreshFailureRow): RefreshFailureDto {
  return {
    id: String(r.id),
    connectionId: r.connection_id ?? null,
    platform: r.platform,
    userId: r.user_id,
    occurredAt: iso(r.occurred_at)!,
    trigger: r.trigger,
    failureClass: r.failure_class,
    providerCode: r.provider_code ?? null,
    httpStatus: r.http_status ?? null,
    message: r.message,
  };
}

/** What admins see and do. Never returns a token. */
@Injectable()
export class AdminService {
  constructor(
    private readonly connectionQueries: ConnectionAdminReadService,
    private readonly counts: ConnectionCountsService,
    private readonly historyQueries: RefreshHistoryService,
    private readonly audits: TokenAuditService,
    private readonly encrypted: KeyUsageService,
    private readonly refresher: TokenRefreshService,
    private readonly connections: ConnectionsService,
    private readonly registry: ProviderRegistry,
    private readonly breakers: ProviderBreakerService,
    private readonly assets: AssetsService,
  ) {}

  private required(platform: string): readonly string[] {
    return this.registry.find(platform)?.config.requiredScopes ?? [];
  }

  async summary(): Promise<SummaryDto> {
    // The counts are the background ones (ConnectionCountsService, KeyUsageService): no request scans the tables.
    const [counts, hourly, keys, breakers] = await Promise.all([
      this.counts.latest(),
      this.historyQueries.hourly(),
      this.encrypted.valuesByKeyId(),
      this.breakers.states(),
    ]);
    // Every enabled platform (the provider catalogue), with no connections too, and any other that has some.
    const counted = new Map(counts.value.map((r) => [r.platform, r]));
    const none = (platform: string): PlatformCounts => ({ platform, total: 0, active: 0, expiring: 0, due: 0, failing: 0, needs_reauth: 0 });
    const names = [...new Set([...this.registry.list().map((p) => p.config.id), ...counted.keys()])].sort();
    const platforms = names
      .map((name) => counted.get(name) ?? none(name))
      .map((r) => ({
        platform: r.platform,
        total: r.total,
        active: r.active,
        expiring: r.expiring,
        failing: r.failing,
        needsReauth: r.needs_reauth,
      }));
    const totals = platforms.reduce(
      (t, p) => ({
        platform: 'all',
        total: t.total + p.total,
        active: t.active + p.active,
        expiring: t.expiring + p.expiring,
        failing: t.failing + p.failing,
        needsReauth: t.needsReauth + p.needsReauth,
      }),
      {
        platform: 'all',
        total: 0,
        active: 0,
        expiring: 0,
        failing: 0,
        needsReauth: 0,
      },
    );
    // 24 hourly buckets, empty ones included, so charts need no gap filling.
    const byHour = new Map(hourly.map((h) => [new Date(h.hour).getTime(), h]));
    const firstHour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 23 * 3_600_000;
    const buckets = Array.from({ length: 24 }, (_, i) => {
      const t = firstHour + i * 3_600_000;
      const h = byHour.get(t);
      return { hour: new Date(t).toISOString(), refreshes: h?.refreshes ?? 0, failures: h?.failures ?? 0 };
    });
    return {
      platforms,
      totals,
      refreshes24h: buckets.reduce((n, b) => n + b.refreshes, 0),
      failures24h: buckets.reduce((n, b) => n + b.failures, 0),
      hourly: buckets,
      valuesByKeyId: keys.value,
      countedAt: counts.computedAt.toISOString(),
      keysCountedAt: keys.computedAt.toISOString(),
      breakers: breakers.map((b) => ({ ...b, openedAt: iso(b.openedAt), nextProbeAt: iso(b.nextProbeAt) })),
    };
  }

  async listConnections(q: ConnectionListQueryDto): Promise<ConnectionPageDto> {
    const page = await this.connectionQueries.list(q);
    return { items: page.rows.map((r) => toConnection(r, this.required(r.platform))), nextCursor: page.nextCursor };
  }

  async connection(id: string): Promise<ConnectionDetailDto> {
    const row = await this.connectionQueries.findById(id);
    if (!row) throw AdminException.notFound();
    const [history, failures, assets] = await Promise.all([
      this.historyQueries.history(id),
      this.historyQueries.listFailures({ connectionId: id, limit: 20 }),
      this.assets.listForConnection(id),
    ]);
    return {
      ...toConnection(row, this.required(row.platform)),
      scopes: row.scopes,
      scopesSource: row.scopes_source,
      requestedScopes: row.requested_scopes,
      history: history.map((h) => ({ occurredAt: iso(h.occurredAt)!, trigger: h.trigger, outcome: h.outcome, durationMs: h.durationMs })),
      failures: failures.rows.map(toFailure),
      assets,
    };
  }

  /** Forces a refresh through the same single-flight path; a cooldown protects failing providers. */
  async refresh(id: string): Promise<RefreshResultDto> {
    const row = await this.connectionQueries.findById(id);
    if (!row) throw AdminException.notFound();
    if (row.status === 'needs_reauth') throw AdminException.reauthRequired();
    if (!this.registry.has(row.platform)) throw AdminException.platformDisabled();
    const last = await this.historyQueries.lastAdminRefresh(id);
    if (last && Date.now() - last.getTime() < COOLDOWN_MS) throw AdminException.cooldown(Math.ceil((COOLDOWN_MS - (Date.now() - last.getTime())) / 1000));
    await this.refresher.refresh(id, 'admin', { force: true });
    const after = await this.connectionQueries.findById(id);
    if (!after) throw AdminException.notFound();
    return { ...toConnection(after, this.required(after.platform)), refreshed: after.token_version > row.token_version };
  }

  async disconnect(id: string): Promise<{ connected: false }> {
    const row = await this.connectionQueries.findById(id);
    if (!row) throw AdminException.notFound();
    await this.connections.disconnectOne(row.user_id, id).catch((error: unknown) => {
      if (!(error instanceof ConnectionsException && error.status === 404)) throw error; // gone meanwhile: the end state is the same
    });
    return { connected: false };
  }

  async failures(q: FailureListQueryDto): Promise<RefreshFailurePageDto> {
    const page = await this.historyQueries.listFailures(q);
    return { items: page.rows.map(toFailure), nextCursor: page.nextCursor };
  }

  async audit(q: AuditListQueryDto): Promise<AuditPageDto> {
    const page = await this.audits.list(q);
    return {
      items: page.rows.map((r) => ({ id: String(r.id), service: r.service, userId: r.user_id, platform: r.platform, accessedAt: iso(r.accessed_at)! })),
      nextCursor: page.nextCursor,
    };
  }
}
