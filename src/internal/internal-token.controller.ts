import { Body, Controller, Header, HttpCode, Param, Post } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentService, ServiceAuth } from '../auth/auth.decorators.js';
import type { ServicePrincipal } from '../auth/auth.types.js';
import { ApiErrors, DATABASE_ERRORS, jsonBodyErrors } from '../common/api-errors.js';
import { CommonException } from '../common/common.exception.js';
import { ProvidersException } from '../providers/provider.exception.js';
import { TokensException } from '../tokens/tokens.exception.js';
import { PlatformParamDto } from '../connections/connections.dto.js';
import { INTERNAL_TOKEN_SCHEMA, InternalTokenDto, InternalTokenRequestDto } from './internal.dto.js';
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
    ProvidersException.unknownPlatform('tiktok'),
    TokensException.reauthRequired('tiktok'),
    TokensException.providerUnavailable('tiktok', 30_000),
    ...DATABASE_ERRORS,
    CommonException.credentialUnreadable(),
  )
  issue(
    @CurrentService() service: ServicePrincipal,
    @Param() { platform }: PlatformParamDto,
    @Body() body: InternalTokenRequestDto,
  ): Promise<InternalTokenDto> {
    return this.internal.issue(service, platform, body.userId);
  }
}
