import { Body, Controller, Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { CurrentService, ServiceAuth } from '../auth/auth.decorators.js';
import type { ServicePrincipal } from '../auth/auth.types.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { PlatformParamDto } from '../connections/connections.dto.js';
import { InternalTokenDto, InternalTokenRequestDto } from './internal.dto.js';
import { InternalTokenService } from './internal-token.service.js';

@ApiTags('internal')
@Controller('social')
export class InternalTokenController {
  constructor(private readonly internal: InternalTokenService) {}

  @Post(':platform/internal-token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ServiceAuth()
  @ApiOperation({ summary: "A valid provider access token for a user, for backend jobs (refreshed first when it expires soon)" })
  @ApiOkResponse({ type: InternalTokenDto })
  @ApiNotFoundResponse({ description: 'not_connected or unknown_platform', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'reauth_required: the user must reconnect', type: ErrorResponseDto })
  @ApiServiceUnavailableResponse({ description: 'provider_unavailable: the token expired and the provider is failing; database_busy or database_unavailable. See Retry-After when present', type: ErrorResponseDto })
  issue(@CurrentService() service: ServicePrincipal, @Param() { platform }: PlatformParamDto, @Body() body: InternalTokenRequestDto): Promise<InternalTokenDto> {
    return this.internal.issue(service, platform, body.userId);
  }
}
