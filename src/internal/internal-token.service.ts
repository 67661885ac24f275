import { Injectable } from '@nestjs/common';
import type { ServicePrincipal } from '../auth/auth.types.js';
import { TokenAccessService } from '../tokens/token-access.service.js';
import { TokensException } from '../tokens/tokens.exception.js';
import type { InternalTokenDto } from './internal.dto.js';
import { TokenAuditService } from './token-audit.service.js';

@Injectable()
export class InternalTokenService {
  constructor(
    private readonly tokens: TokenAccessService,
    private readonly audit: TokenAuditService,
  ) {}

  async issue(service: ServicePrincipal, platform: string, userId: string): Promise<InternalTokenDto> {
    if (service.platforms && !service.platforms.includes(platform)) throw TokensException.platformNotAllowed(platform);
    const c = await this.tokens.getValidToken(userId, platform, 'lazy');
    this.audit.record(service.service, userId, platform);
    return { accessToken: c.accessToken.reveal(), expiresAt: c.accessTokenExpiresAt?.toISOString() ?? null, accountId: c.accountId, scopes: c.scopes };
  }
}
