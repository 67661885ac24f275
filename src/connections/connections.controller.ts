import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUserId, UserSession } from '../auth/auth.decorators.js';
import { ApiErrors, DATABASE_ERRORS, jsonBodyErrors } from '../common/api-errors.js';
import { CommonException } from '../common/common.exception.js';
import { ProvidersException } from '../providers/provider.exception.js';
import { ConnectionsException } from './connections.exception.js';
import { ConnectFlowService } from './connect-flow.service.js';
import { ConnectDto, ConnectionStatusDto, ConnectResultDto, ConnectUrlDto, DisconnectResultDto, PlatformParamDto } from './connections.dto.js';
import { ConnectionsService } from './connections.service.js';

@ApiTags('connections')
@Controller('social')
@ApiErrors(...DATABASE_ERRORS)
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
  @ApiErrors(
    ProvidersException.unknownPlatform('tiktok'),
    CommonException.validationFailed('platform must be a platform id (lowercase letters, digits, - and _)'),
    ConnectionsException.tooManyPending(20),
    ConnectionsException.rateLimited(30_000),
  )
  connectUrl(@CurrentUserId() userId: string, @Param() { platform }: PlatformParamDto): Promise<ConnectUrlDto> {
    return this.flow.connectUrl(userId, platform);
  }

  @Post(':platform/connect')
  @HttpCode(200)
  @UserSession()
  @ApiOperation({ summary: 'Finish connecting: post the code and state the provider returned' })
  @ApiOkResponse({ type: ConnectResultDto })
  @ApiErrors(
    ...jsonBodyErrors('state is required'),
    ConnectionsException.invalidState(),
    ConnectionsException.stateExpired(),
    ConnectionsException.accessDenied('access_denied'),
    ConnectionsException.issuerMissing(),
    ConnectionsException.issuerMismatch(),
    ConnectionsException.providerRejected('invalid_grant'),
    ProvidersException.unknownPlatform('tiktok'),
    ConnectionsException.rateLimited(30_000),
    ConnectionsException.providerUnavailable(),
    ConnectionsException.providerMisconfigured(),
    ConnectionsException.connectFailed(),
  )
  connect(@CurrentUserId() userId: string, @Param() { platform }: PlatformParamDto, @Body() body: ConnectDto): Promise<ConnectResultDto> {
    return this.flow.connect(userId, platform, body);
  }

  @Get(':platform/status')
  @UserSession()
  @ApiOperation({ summary: 'Whether the user has connected this platform' })
  @ApiOkResponse({ type: ConnectionStatusDto })
  @ApiErrors(
    ProvidersException.unknownPlatform('tiktok'),
    CommonException.validationFailed('platform must be a platform id (lowercase letters, digits, - and _)'),
  )
  status(@CurrentUserId() userId: string, @Param() { platform }: PlatformParamDto): Promise<ConnectionStatusDto> {
    return this.connections.status(userId, platform);
  }

  @Delete(':platform/disconnect')
  @UserSession()
  @ApiOperation({ summary: 'Revoke at the provider (best effort) and forget the connection. Idempotent.' })
  @ApiOkResponse({ type: DisconnectResultDto })
  @ApiErrors(
    ProvidersException.unknownPlatform('tiktok'),
    CommonException.validationFailed('platform must be a platform id (lowercase letters, digits, - and _)'),
  )
  disconnect(@CurrentUserId() userId: string, @Param() { platform }: PlatformParamDto): Promise<DisconnectResultDto> {
    return this.connections.disconnect(userId, platform);
  }
}
