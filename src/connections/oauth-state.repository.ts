import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { affectedRows, resultRows } from '../common/query-result.js';
import { KeyRing } from '../crypto/key-ring.js';
import { Secret } from '../crypto/secret.js';
import { OAuthState } from './oauth-state.entity.js';

export type ConsumedState = {
  userId: string;
  platform: string;
  redirectUri: string;
  codeVerifier: Secret | null;
  expiresAt: Date;
  connectionId: string | null;
  scopes: string[] | null;
  connectSessionId: string | null;
};

const RETURNED = 'user_id, platform, redirect_uri, code_verifier, expires_at, connection_id, scopes, connect_session_id';

@Injectable()
export class OAuthStateRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ring: KeyRing,
  ) {}

  async insert(
    state: Pick<
      OAuthState,
      'stateHash' | 'userId' | 'platform' | 'redirectUri' | 'codeVerifier' | 'expiresAt' | 'connectionId' | 'scopes' | 'connectSessionId'
    >,
    manager?: EntityManager,
  ): Promise<void> {
    await (manager ?? this.dataSource.manager).getRepository(OAuthState).insert(state);
  }

  /** Deletes the user's expired or used states; returns how many pending ones remain. */
  async pruneAndCountPending(userId: string, manager?: EntityManager): Promise<number> {
    const m = manager ?? this.dataSource.manager;
    await m.query('DELETE FROM oauth_states WHERE user_id = $1 AND (expires_at < now() OR used_at IS NOT NULL)', [userId]);
    const [row] = await m.query('SELECT count(*)::int AS n FROM oauth_states WHERE user_id = $1', [userId]);
    return row.n as number;
  }

  /**
   * Marks the state used, atomically, only for the user and platform it was issued to, so a
   * replayed, foreign or cross-platform state matches nothing. A hosted flow's state is not taken here.
   */
  async consume(stateHash: string, userId: string, platform: string): Promise<ConsumedState | undefined> {
    const rows = await this.dataSource.query(
      `UPDATE oauth_states SET used_at = now()
       WHERE state_hash = $1 AND user_id = $2 AND platform = $3 AND used_at IS NULL AND connect_session_id IS NULL
       RETURNING ${RETURNED}`,
      [stateHash, userId, platform],
    );
    return this.toConsumed(resultRows(rows)[0]);
  }

  /** The hosted flow's callback: the state alone names its user, platform and connect session. */
  async consumeHosted(stateHash: string): Promise<ConsumedState | undefined> {
    const rows = await this.dataSource.query(
      `UPDATE oauth_states SET used_at = now()
       WHERE state_hash = $1 AND used_at IS NULL AND connect_session_id IS NOT NULL
       RETURNING ${RETURNED}`,
      [stateHash],
    );
    return this.toConsumed(resultRows(rows)[0]);
  }

  private toConsumed(row: Record<string, unknown> | undefined): ConsumedState | undefined {
    if (!row) return undefined;
    return {
      userId: row.user_id as string,
      platform: row.platform as string,
      redirectUri: row.redirect_uri as string,
      codeVerifier: row.code_verifier ? Secret.fromStored(row.code_verifier as string, this.ring) : null,
      expiresAt: new Date(row.expires_at as string),
      connectionId: (row.connection_id as string | null) ?? null,
      scopes: (row.scopes as string[] | null) ?? null,
      connectSessionId: (row.connect_session_id as string | null) ?? null,
    };
  }

  /** Retention: up to `limit` states that expired more than `graceMs` ago (ix_oauth_states_expires, then the primary key). */
  async deleteExpired(graceMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(
        `DELETE FROM oauth_states WHERE id = ANY(ARRAY(
           SELECT id FROM oauth_states WHERE expires_at < now() - $1::bigint * interval '1 millisecond' ORDER BY expires_at LIMIT $2))`,
        [graceMs, limit],
      ),
    );
  }
}
