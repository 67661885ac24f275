import { Body, Controller, Header, HttpCode, Param, Post } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentService, ServiceAuth } from '../auth/auth.decorators.js';
import type { ServicePrincipal } from '../auth/auth.types.js';
import { ApiErrors, DATABASE_ERRORS, jsonBodyErrors } from '../common/api-errors.js';
import { AssetsException } from '../assets/assets.exception.js';
import { CommonException } from '../common/common.exception.js';
import { ProvidersException } from '../providers/provider.exception.js';
import { TokensException } from '../tokens/tokens.exception.js';
import { PlatformParamDto } from '../connections/connections.dto.js';
import { INTERNAL_TOKEN_SCHEMA, InternalTokenDto, InternalTokenRequestDto, TokenRejectedDto, TokenRejectedResultDto } from './internal.dto.js';
import { ConnectionIdParamDto } from '../connections/connections.dto.js';
import { InternalTokenService } from './internal-token.service.js';

@ApiTags('internal')
@Controller('social')
export class InternalTokenController {
  constructor(private readonly internal: InternalTokenService) {}

  @Post(':platform/internal-token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ServiceAuth()
  @RouteSchema(INTERNAL_TOKEN_SCHEMA)
  @ApiOperation({ summary: 'A valid provider access token for a user, for backend jobs (refreshed first when it expires soon)' })
  @ApiOkResponse({ type: InternalTokenDto })
  @ApiErrors(
    ...jsonBodyErrors('userId is required'),
    TokensException.platformNotAllowed('tiktok'),
    TokensException.notConnected('tiktok'),
    TokensException.connectionAmbiguous('tiktok', [
      { connectionId: '3f2b8c1e-5d4a-4e7b-9c6f-1a2b3c4d5e6f', accountId: '7123456789', label: 'Brand', username: 'brand_account' },
      { connectionId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', accountId: '7987654321', label: null, username: 'creator_jane' },
    ]),
    TokensException.insufficientScope('tiktok', '3f2b8c1e-5d4a-4e7b-9c6f-1a2b3c4d5e6f', ['video.upload']),
    AssetsException.assetNotFound(),
    AssetsException.assetRemoved(),
    AssetsException.assetTokenMissing(),
    ProvidersException.unknownPlatform('tiktok'),
    TokensException.reauthRequired('tiktok'),
    TokensException.providerUnavailable('tiktok', 30_000),
    TokensException.refreshInProgress('tiktok', 2_000),
    ...DATABASE_ERRORS,
    CommonException.credentialUnreadable(),
  )
  issue(
    @CurrentService() service: ServicePrincipal,
    @Param() { platform }: PlatformParamDto,
    @Body() body: InternalTokenRequestDto,
  ): Promise<InternalTokenDto> {
    return this.internal.issue(service, platform, body);
  }

  @Post('connections/:connectionId/token-rejected')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ServiceAuth()
  @ApiOperation({
    summary: 'Report an access token the provider refused: answers a new token (refreshed now), the current one, or 409 reauth_required',
  })
  @ApiOkResponse({ type: TokenRejectedResultDto })
  @ApiErrors(
    ...jsonBodyErrors('accessTokenHash must be the SHA-256 of the access token, 64 hex digits'),
    TokensException.connectionNotFound(),
    TokensException.tokenUnknown(),
    TokensException.reauthRequired('tiktok'),
    TokensException.tooManyReports(30_000),
    TokensException.providerUnavailable('tiktok', 30_000),
    ...DATABASE_ERRORS,
    CommonException.credentialUnreadable(),
  )
  reportRejected(
    @CurrentService() service: ServicePrincipal,
    @Param() { connectionId }: ConnectionIdParamDto,
    @Body() body: TokenRejectedDto,
  ): Promise<TokenRejectedResultDto> {
    return this.internal.reportRejected(service, connectionId, body);
  }
}
