import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { CurrentUserId, UserSession } from '../auth/auth.decorators.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { ConnectFlowService } from './connect-flow.service.js';
import { ConnectDto, ConnectionStatusDto, ConnectResultDto, ConnectUrlDto, DisconnectResultDto, PlatformParamDto } from './connections.dto.js';
import { ConnectionsService } from './connections.service.js';

@ApiTags('connections')
@Controller('social')
@ApiNotFoundResponse({ description: 'unknown_platform: the platform is not enabled', type: ErrorResponseDto })
@ApiBadRequestResponse({ description: 'validation_failed', type: ErrorResponseDto })
export class ConnectionsController {
  constructor(
    private readonly flow: ConnectFlowService,
    private readonly connections: ConnectionsService,
  ) {}

  @Get('connections')
  @UserSession()
  @ApiOperation({ summary: "The current user's connections" })
  @ApiOkResponse({ type: [ConnectionStatusDto] })
  list(@CurrentUserId() userId: string): Promise<ConnectionStatusDto[]> {
    return this.connections.list(userId);
  }

  @Get(':platform/connect-url')
  @UserSession()
  @ApiOperation({ summary: 'Start connecting: the provider URL to send the user to (with state and PKCE)' })
  @ApiOkResponse({ type: ConnectUrlDto })
  @ApiTooManyRequestsResponse({ description: 'too_many_pending_states', type: ErrorResponseDto })
  connectUrl(@CurrentUserId() userId: string, @Param() { platform }: PlatformParamDto): Promise<ConnectUrlDto> {
    return this.flow.connectUrl(userId, platform);
  }

  @Post(':platform/connect')
  @HttpCode(200)
  @UserSession()
  @ApiOperation({ summary: 'Finish connecting: post the code and state the provider returned' })
  @ApiOkResponse({ type: ConnectResultDto })
  @ApiBadRequestResponse({ description: 'invalid_state, state_expired, access_denied, issuer_missing, issuer_mismatch, provider_error, validation_failed', type: ErrorResponseDto })
  @ApiResponse({ status: 424, description: 'provider_unavailable (retry later) or provider_misconfigured (operator error)', type: ErrorResponseDto })
  @ApiResponse({ status: 503, description: 'connect_failed (start again; logged for the operator), database_unavailable, database_busy', type: ErrorResponseDto })
  connect(@CurrentUserId() userId: string, @Param() { platform }: PlatformParamDto, @Body() body: ConnectDto): Promise<ConnectResultDto> {
    return this.flow.connect(userId, platform, body);
  }

  @Get(':platform/status')
  @UserSession()
  @ApiOperation({ summary: 'Whether the user has connected this platform' })
  @ApiOkResponse({ type: ConnectionStatusDto })
  status(@CurrentUserId() userId: string, @Param() { platform }: PlatformParamDto): Promise<ConnectionStatusDto> {
    return this.connections.status(userId, platform);
  }

  @Delete(':platform/disconnect')
  @UserSession()
  @ApiOperation({ summary: 'Revoke at the provider (best effort) and forget the connection. Idempotent.' })
  @ApiOkResponse({ type: DisconnectResultDto })
  disconnect(@CurrentUserId() userId: string, @Param() { platform }: PlatformParamDto): Promise<DisconnectResultDto> {
    return this.connections.disconnect(userId, platform);
  }
}
