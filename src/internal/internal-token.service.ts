import { Injectable } from '@nestjs/common';
import type { ServicePrincipal } from '../auth/auth.types.js';
import { toErrorBody } from '../common/http-exception.filter.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { TokenAccessService } from '../tokens/token-access.service.js';
import { TokensException } from '../tokens/tokens.exception.js';
import { TokenRejectionService } from '../tokens/token-rejection.service.js';
import type { Connection } from '../connections/connection.entity.js';
import { AssetsService } from '../assets/assets.service.js';
import type { TokenRequest } from '../tokens/token-access.service.js';
import type { InternalTokenDto, InternalTokenRequestDto, TokenRejectedDto, TokenRejectedResultDto } from './internal.dto.js';
import { TokenAuditService } from './token-audit.service.js';

@Injectable()
export class InternalTokenService {
  constructor(
    private readonly tokens: TokenAccessService,
    private readonly audit: TokenAuditService,
    private readonly metrics: MetricsService,
    private readonly rejections: TokenRejectionService,
    private readonly assets: AssetsService,
  ) {}

  private static answer(c: Connection): InternalTokenDto {
    // Decrypted before anything is counted or audited as served.
    return {
      accessToken: c.accessToken.reveal(),
      expiresAt: c.accessTokenExpiresAt?.toISOString() ?? null,
      connectionId: c.id,
      accountId: c.accountId,
      grantedScopes: c.scopes,
      scopes: c.scopes,
    };
  }

  /** A job's report that the provider refused a token: the token to use now, or why there is none. */
  async reportRejected(service: ServicePrincipal, connectionId: string, report: TokenRejectedDto): Promise<TokenRejectedResultDto> {
    const c = await this.rejections.find(connectionId);
    if (service.platforms && !service.platforms.includes(c.platform)) throw TokensException.connectionNotFound();
    const { connection, outcome } = await this.rejections.report(c, report.accessTokenHash, report.status);
    // Superseded or still valid: the current token, refreshed first when it is near expiry.
    const current = outcome === 'refreshed' ? connection : await this.tokens.getValidToken(c.userId, c.platform, 'lazy', { connectionId: c.id });
    const answer = { ...InternalTokenService.answer(current), outcome };
    this.audit.record(service.service, c.userId, c.platform);
    return answer;
  }

  /** A token for one asset: its connection's, checked as any, then the asset's own token where it has one. */
  private async forAsset(userId: string, platform: string, assetId: string, want: TokenRequest): Promise<InternalTokenDto> {
    const { asset, ownToken } = await this.assets.forJob(userId, platform, assetId, want.connectionId);
    const answer = InternalTokenService.answer(await this.tokens.getValidToken(userId, platform, 'lazy', { ...want, connectionId: asset.connectionId }));
    return {
      ...answer,
      ...(ownToken === undefined ? {} : { accessToken: ownToken, expiresAt: asset.accessTokenExpiresAt?.toISOString() ?? null }),
      asset: { assetId: asset.id, kind: asset.kind, externalId: asset.externalId, name: asset.name, ownToken: ownToken !== undefined },
    };
  }

  async issue(service: ServicePrincipal, platform: string, { userId, assetId, ...want }: InternalTokenRequestDto): Promise<InternalTokenDto> {
    let answer: InternalTokenDto;
    try {
      if (service.platforms && !service.platforms.includes(platform)) throw TokensException.platformNotAllowed(platform);
      answer =
        assetId === undefined
          ? InternalTokenService.answer(await this.tokens.getValidToken(userId, platform, 'lazy', want))
          : await this.forAsset(userId, platform, assetId, want);
    } catch (error) {
      // The error code the caller gets: database_unavailable and credential_unreadable are not bugs.
      this.metrics.internalTokens.inc({ platform, outcome: toErrorBody(error).body.error });
      throw error;
    }
    this.metrics.internalTokens.inc({ platform, outcome: 'ok' });
    this.audit.record(service.service, userId, platform);
    return answer;
  }
}
