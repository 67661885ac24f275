import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { resultRows } from '../common/query-result.js';
import { sqlParams } from '../common/sql-params.js';
import { Secret } from '../crypto/secret.js';
import type { TokenSet } from '../providers/provider.types.js';
import { Connection } from './connection.entity.js';
import { claimAtSql } from './refresh-due.js';

/** Lease seconds: a crashed holder blocks a connection at most this long. */
export const LEASE_MS = 30_000;

export type LeaseState = { tokenVersion: number; leaseOwner: string | null; leaseExpiresAt: Date | null; status: string };

/** SHA-256 hex of an access token: how a job names the token it reports (token-rejected). */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

const plus = (s: number | undefined) => (s === undefined ? undefined : new Date(Date.now() + s * 1000));

/**
 * Named queries for refreshing: a lease (owner + expiry) that only its owner can release,
 * and token writes conditional on the token version the writer read.
 */
/** What a platform's connections need to be refreshed by the scheduler (from the provider catalogue). */
export type ClaimablePlatform = { platform: string; needsRefreshToken: boolean; minRefreshAgeMs: number };

@Injectable()
export class ConnectionLeaseRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private qb(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(Connection).createQueryBuilder();
  }

  /**
   * Takes the lease if it is free or expired, or still held by `deadOwner` (a holder whose instance
   * stopped heartbeating); returns the connection (with tokens) when taken.
   */
  async tryAcquire(id: string, owner: string, deadOwner?: string): Promise<Connection | null> {
    const result = await this.qb()
      .update(Connection)
      .set({ refreshLeaseOwner: owner, refreshLeaseExpiresAt: () => `now() + interval '${LEASE_MS} milliseconds'` })
      .where('id = :id AND status = :active AND (refresh_lease_owner IS NULL OR refresh_lease_expires_at < now() OR refresh_lease_owner = :dead)', {
        id,
        active: 'active',
        dead: deadOwner ?? null,
      })
      .execute();
    if (!result.affected) return null;
    return this.dataSource.getRepository(Connection).findOneBy({ id });
  }

  async leaseState(id: string): Promise<LeaseState | null> {
    const [row] = await this.dataSource.query('SELECT token_version, refresh_lease_owner, refresh_lease_expires_at, status FROM connections WHERE id = $1', [
      id,
    ]);
    if (!row) return null;
    return {
      tokenVersion: row.token_version,
      leaseOwner: row.refresh_lease_owner,
      leaseExpiresAt: row.refresh_lease_expires_at && new Date(row.refresh_lease_expires_at),
      status: row.status,
    };
  }

  /**
   * Claims due connections (src/connections/refresh-due.ts) that can be refreshed without the user
   * for a scheduler run: their lease goes to `owner`, and other instances skip them (SKIP LOCKED),
   * so each due connection is refreshed once per run across instances. One range scan of
   * ix_connections_next_refresh per platform, most overdue first: leased rows are out of the range,
   * and platforms the run does not ask for (nothing renews them, breaker open) are never read.
   */
  async claimDue(args: { owner: string; limit: number; platforms: ClaimablePlatform[] }): Promise<string[]> {
    const { params, p } = sqlParams([
      args.owner,
      args.platforms.map((x) => x.platform),
      args.platforms.map((x) => x.needsRefreshToken),
      args.platforms.map((x) => x.minRefreshAgeMs),
    ]);
    const limit = p(args.limit);
    const claimAt = claimAtSql('c');
    const rows = await this.dataSource.query(
      `UPDATE connections SET refresh_lease_owner = $1, refresh_lease_expires_at = now() + interval '${LEASE_MS} milliseconds'
       WHERE id IN (
         SELECT d.id FROM unnest($2::text[], $3::boolean[], $4::bigint[]) AS r(platform, needs_refresh_token, min_age_ms)
         CROSS JOIN LATERAL (
           SELECT c.id, ${claimAt} AS claim_at FROM connections c
           WHERE c.platform = r.platform AND c.status = 'active' AND ${claimAt} <= now()
             AND (NOT r.needs_refresh_token OR c.refresh_token IS NOT NULL)
             AND coalesce(c.access_token_issued_at, c.connected_at) <= now() - r.min_age_ms * interval '1 millisecond'
           ORDER BY ${claimAt}
           LIMIT ${limit}
           FOR UPDATE OF c SKIP LOCKED) d
         ORDER BY d.claim_at
         LIMIT ${limit})
       RETURNING id`,
      params,
    );
    return resultRows<{ id: string }>(rows).map((r) => r.id);
  }

  /** Loads the connections among `ids` whose lease we (still) hold. */
  findLeased(ids: string[], owner: string): Promise<Connection[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.dataSource
      .getRepository(Connection)
      .createQueryBuilder('c')
      .where('c.id IN (:...ids) AND c.refresh_lease_owner = :owner', { ids, owner })
      .getMany();
  }

  /** Releases only our own lease. */
  async release(id: string, owner: string): Promise<void> {
    await this.dataSource.query(
      'UPDATE connections SET refresh_lease_owner = NULL, refresh_lease_expires_at = NULL WHERE id = $1 AND refresh_lease_owner = $2',
      [id, owner],
    );
  }

  /**
   * Persists a refresh before anyone can use the new access token. Keeps the old refresh token
   * when the provider sent none. Writes only over the version we refreshed from.
   */
  async saveRefreshed(manager: EntityManager, c: Connection, tokens: TokenSet): Promise<boolean> {
    const set: Record<string, unknown> = {
      accessToken: Secret.fromPlaintext(tokens.accessToken),
      previousAccessTokenHash: tokenHash(c.accessToken.reveal()),
      accessTokenExpiresAt: plus(tokens.expiresIn) ?? null,
      accessTokenIssuedAt: new Date(),
      tokenVersion: () => 'token_version + 1',
      lastRefreshedAt: new Date(),
      lastRefreshError: null,
      lastRefreshErrorCode: null,
      consecutiveFailures: 0,
      nextRetryAt: null,
      status: 'active',
      refreshLeaseOwner: null,
      refreshLeaseExpiresAt: null,
    };
    if (tokens.refreshToken) {
      set.refreshToken = Secret.fromPlaintext(tokens.refreshToken);
      set.refreshTokenExpiresAt = plus(tokens.refreshTokenExpiresIn) ?? null;
    } else if (tokens.refreshTokenExpiresIn !== undefined) {
      set.refreshTokenExpiresAt = plus(tokens.refreshTokenExpiresIn);
    }
    if (tokens.scopes?.length) set.scopes = tokens.scopes;
    const result = await this.qb(manager).update(Connection).set(set).where('id = :id AND token_version = :v', { id: c.id, v: c.tokenVersion }).execute();
    return (result.affected ?? 0) > 0;
  }

  /** The grant is dead: stop refreshing until the user reconnects. */
  async markNeedsReauth(manager: EntityManager, c: Connection, failure: { failureClass: string; code?: string }): Promise<boolean> {
    const result = await this.qb(manager)
      .update(Connection)
      .set({
        status: 'needs_reauth',
        lastRefreshError: failure.failureClass,
        lastRefreshErrorCode: failure.code ?? null,
        consecutiveFailures: () => 'consecutive_failures + 1',
        nextRetryAt: null,
        refreshLeaseOwner: null,
        refreshLeaseExpiresAt: null,
      })
      .where('id = :id AND token_version = :v', { id: c.id, v: c.tokenVersion })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** A failure that may pass: back off; `countAgainstConnection` false for operator errors. */
  async recordFailure(
    manager: EntityManager,
    c: Connection,
    owner: string,
    f: { failureClass: string; code?: string; retryAt: Date; countAgainstConnection: boolean },
  ): Promise<number> {
    const rows = await manager.query(
      `UPDATE connections SET last_refresh_error = $3, last_refresh_error_code = $4, next_retry_at = $5,
         consecutive_failures = consecutive_failures + $6, refresh_lease_owner = NULL, refresh_lease_expires_at = NULL, refresh_attempted_at = $7
       WHERE id = $1 AND (refresh_lease_owner = $2 OR refresh_lease_owner IS NULL) RETURNING consecutive_failures`,
      [c.id, owner, f.failureClass, f.code ?? null, f.retryAt, f.countAgainstConnection ? 1 : 0, new Date()],
    );
    return resultRows<{ consecutive_failures: number }>(rows)[0]?.consecutive_failures ?? c.consecutiveFailures;
  }
}
