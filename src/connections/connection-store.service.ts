import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TokenSet } from '../providers/provider.types.js';
import type { Connection } from './connection.entity.js';
import { ConnectionRepository, type ConnectionSelector } from './connection.repository.js';
import { type ClaimablePlatform, ConnectionLeaseRepository, type LeaseState } from './connection-lease.repository.js';

export { type ClaimablePlatform, LEASE_MS, type LeaseState, tokenHash } from './connection-lease.repository.js';
export type { ConnectionSelector } from './connection.repository.js';

/**
 * The connections table as other features use it (tokens, scheduler, metrics): each method is one
 * named query of this feature's repositories, which stay private. Writes that take an EntityManager
 * run inside the caller's transaction (transactions start in services).
 */
@Injectable()
export class ConnectionStoreService {
  constructor(
    private readonly connections: ConnectionRepository,
    private readonly leases: ConnectionLeaseRepository,
  ) {}

  /** The internal-token hot path: one statement (ConnectionRepository.findForUser), most recently connected first. */
  findForUser(userId: string, platform: string, select: ConnectionSelector, limit: number): Promise<Connection[]> {
    return this.connections.findForUser(userId, platform, select, limit);
  }

  /** The connection as stored (with tokens), or an error when it is gone. */
  findByIdOrFail(id: string): Promise<Connection> {
    return this.connections.findByIdOrFail(id);
  }

  findById(id: string): Promise<Connection | null> {
    return this.connections.findById(id);
  }

  leaseState(id: string): Promise<LeaseState | null> {
    return this.leases.leaseState(id);
  }

  /** Takes the refresh lease if it is free, expired or held by `deadOwner` (whose instance died); returns the connection (with tokens) when taken. */
  tryAcquire(id: string, owner: string, deadOwner?: string): Promise<Connection | null> {
    return this.leases.tryAcquire(id, owner, deadOwner);
  }

  /** Releases only `owner`'s lease. */
  release(id: string, owner: string): Promise<void> {
    return this.leases.release(id, owner);
  }

  /** Claims due connections for a scheduler run (src/connections/refresh-due.ts). */
  claimDue(args: { owner: string; limit: number; platforms: ClaimablePlatform[] }): Promise<string[]> {
    return this.leases.claimDue(args);
  }

  /** The connections among `ids` whose lease `owner` (still) holds. */
  findLeased(ids: string[], owner: string): Promise<Connection[]> {
    return this.leases.findLeased(ids, owner);
  }

  /** Persists refreshed tokens over the version `c` was read at; false when someone wrote newer ones. */
  saveRefreshed(manager: EntityManager, c: Connection, tokens: TokenSet): Promise<boolean> {
    return this.leases.saveRefreshed(manager, c, tokens);
  }

  /** The grant is dead: stop refreshing until the user reconnects. */
  markNeedsReauth(manager: EntityManager, c: Connection, failure: { failureClass: string; code?: string }): Promise<boolean> {
    return this.leases.markNeedsReauth(manager, c, failure);
  }

  /** A failure that may pass: back off, release the lease; returns the consecutive failures. */
  recordFailure(
    manager: EntityManager,
    c: Connection,
    owner: string,
    f: { failureClass: string; code?: string; retryAt: Date; countAgainstConnection: boolean },
  ): Promise<number> {
    return this.leases.recordFailure(manager, c, owner, f);
  }
}
