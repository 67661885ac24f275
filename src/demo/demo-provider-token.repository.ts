import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  type AccessTokenStore,
  type AuthCodeStore,
  hashApiToken,
  type RefreshTokenStore,
  type StoredAccessToken,
  type StoredRefreshToken,
} from '@ttoss/auth-core';
import { DataSource, In, IsNull } from 'typeorm';
import { affectedRows } from '../common/query-result.js';
import { DemoProviderToken, type DemoTokenKind } from './demo-provider-token.entity.js';

type Owner = { clientId: string; subject: string };

/** A refresh token presented twice at once: the second use lost the conditional consume. */
export class RefreshTokenRaced extends Error {
  constructor(readonly owner: Owner) {
    super('refresh token used concurrently');
  }
}

/** Far beyond any demo lifetime: a token without expiry (never issued here) still gets a row that can expire. */
const NEVER = new Date('9999-01-01T00:00:00Z');

/**
 * The demo provider's codes and tokens in Postgres, behind @ttoss/auth-core's store interfaces.
 * Everything is keyed by the SHA-256 of the value (the plaintext is never stored).
 */
@Injectable()
export class DemoProviderTokenRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(DemoProviderToken);
  }

  private async upsert(kind: DemoTokenKind, row: Omit<Partial<DemoProviderToken>, 'kind'> & Pick<DemoProviderToken, 'tokenHash'>): Promise<void> {
    await this.repo.upsert({ consumedAt: null, redirectUri: null, codeChallenge: null, ...row, kind }, ['tokenHash']);
  }

  private find(kind: DemoTokenKind, tokenHash: string): Promise<DemoProviderToken | null> {
    return this.repo.findOneBy({ tokenHash, kind });
  }

  readonly codes: AuthCodeStore = {
    save: (c) =>
      this.upsert('code', {
        tokenHash: hashApiToken(c.code),
        clientId: c.clientId,
        subject: c.subject,
        scopes: c.scopes,
        expiresAt: new Date(c.expiresAt),
        redirectUri: c.redirectUri,
        codeChallenge: c.codeChallenge,
      }),
    get: async (code) => {
      const row = await this.find('code', hashApiToken(code));
      return row
        ? {
            code,
            clientId: row.clientId,
            subject: row.subject,
            scopes: row.scopes,
            expiresAt: row.expiresAt.getTime(),
            redirectUri: row.redirectUri!,
            codeChallenge: row.codeChallenge!,
          }
        : undefined;
    },
    delete: async (code) => void (await this.repo.delete({ tokenHash: hashApiToken(code), kind: 'code' })),
  };

  readonly accessTokens: AccessTokenStore = {
    save: (t) =>
      this.upsert('access', {
        tokenHash: t.tokenHash,
        clientId: t.clientId,
        subject: t.subject,
        scopes: t.scopes,
        expiresAt: t.expiresAt === null ? NEVER : new Date(t.expiresAt),
      }),
    get: async (tokenHash) => {
      const row = await this.find('access', tokenHash);
      return row ? toAccess(row) : undefined;
    },
    delete: async (tokenHash) => void (await this.repo.delete({ tokenHash, kind: 'access' })),
    deleteBySubject: async (subject) => void (await this.repo.delete({ subject, kind: 'access' })),
  };

  /** `deleteByOwner` is left to the service, which also revokes the grant's access tokens. */
  readonly refreshTokens: Omit<RefreshTokenStore, 'deleteByOwner'> = {
    save: async (t) => {
      if (t.consumedAt === undefined) {
        return this.upsert('refresh', { tokenHash: t.tokenHash, clientId: t.clientId, subject: t.subject, scopes: t.scopes, expiresAt: new Date(t.expiresAt) });
      }
      // Rotation: consume only if nobody did in between, so a token is good for exactly one refresh.
      const { affected } = await this.repo.update({ tokenHash: t.tokenHash, kind: 'refresh', consumedAt: IsNull() }, { consumedAt: new Date(t.consumedAt) });
      if (!affected) throw new RefreshTokenRaced({ clientId: t.clientId, subject: t.subject });
    },
    get: async (tokenHash) => {
      const row = await this.find('refresh', tokenHash);
      return row ? toRefresh(row) : undefined;
    },
    delete: async (tokenHash) => void (await this.repo.delete({ tokenHash, kind: 'refresh' })),
  };

  /** Every refresh and access token of one grant. */
  async deleteGrant(owner: Owner): Promise<void> {
    await this.repo.delete({ clientId: owner.clientId, subject: owner.subject, kind: In(['refresh', 'access']) });
  }

  /** Retention: deletes up to `limit` expired rows (oldest first); returns how many. */
  async deleteExpired(limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(
        'DELETE FROM demo_provider_tokens WHERE token_hash IN (SELECT token_hash FROM demo_provider_tokens WHERE expires_at < now() ORDER BY expires_at LIMIT $1) RETURNING token_hash',
        [limit],
      ),
    );
  }
}

function toAccess(row: DemoProviderToken): StoredAccessToken {
  return {
    tokenHash: row.tokenHash,
    clientId: row.clientId,
    subject: row.subject,
    scopes: row.scopes,
    expiresAt: row.expiresAt.getTime(),
    createdAt: row.createdAt.getTime(),
  };
}

function toRefresh(row: DemoProviderToken): StoredRefreshToken {
  return {
    tokenHash: row.tokenHash,
    clientId: row.clientId,
    subject: row.subject,
    scopes: row.scopes,
    expiresAt: row.expiresAt.getTime(),
    ...(row.consumedAt ? { consumedAt: row.consumedAt.getTime() } : {}),
  };
}
