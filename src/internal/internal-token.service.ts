import { Injectable } from '@nestjs/common';
import type { ServicePrincipal } from '../auth/auth.types.js';
import { toErrorBody } from '../common/http-exception.filter.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { TokenAccessService } from '../tokens/token-access.service.js';
import { TokensException } from '../tokens/tokens.exception.js';
import type { InternalTokenDto, InternalTokenRequestDto } from './internal.dto.js';
import { TokenAuditService } from './token-audit.service.js';

@Injectable()
export class InternalTokenService {
  constructor(
    private readonly tokens: TokenAccessService,
    private readonly audit: TokenAuditService,
    private readonly metrics: MetricsService,
  ) {}

  async issue(service: ServicePrincipal, platform: string, { userId, ...want }: InternalTokenRequestDto): Promise<InternalTokenDto> {
    let answer: InternalTokenDto;
    try {
      if (service.platforms && !service.platforms.includes(platform)) throw TokensException.platformNotAllowed(platform);
      const c = await this.tokens.getValidToken(userId, platform, 'lazy', want);
      // Decrypted before anything is counted or audited as served.
      answer = {
        accessToken: c.accessToken.reveal(),
        expiresAt: c.accessTokenExpiresAt?.toISOString() ?? null,
        connectionId: c.id,
        accountId: c.accountId,
        grantedScopes: c.scopes,
        scopes: c.scopes,
      };
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
