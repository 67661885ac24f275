import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUserId, UserSession } from '../auth/auth.decorators.js';
import { ApiErrors, DATABASE_ERRORS, jsonBodyErrors } from '../common/api-errors.js';
import { CommonException } from '../common/common.exception.js';
import { ProvidersException } from '../providers/provider.exception.js';
import { ConnectionsException } from './connections.exception.js';
import { ConnectFlowService } from './connect-flow.service.js';
import {
  ConnectDto,
  ConnectionDto,
  ConnectionIdParamDto,
  ConnectionStatusDto,
  ConnectResultDto,
  ConnectUrlDto,
  ConnectUrlQueryDto,
  DisconnectResultDto,
  LabelDto,
  PlatformParamDto,
} from './connections.dto.js';
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
  @ApiOkResponse({ type: [ConnectionDto] })
  list(@CurrentUserId() userId: string): Promise<ConnectionDto[]> {
    return this.connections.list(userId);
  }

  @Patch('connections/:connectionId')
  @UserSession()
  @ApiOperation({ summary: "Set or clear the user's label of one connection" })
  @ApiOkResponse({ type: ConnectionDto })
  @ApiErrors(...jsonBodyErrors('label must be shorter than or equal to 80 characters'), ConnectionsException.connectionNotFound())
  setLabel(@CurrentUserId() userId: string, @Param() { connectionId }: ConnectionIdParamDto, @Body() { label }: LabelDto): Promise<ConnectionDto> {
    return this.connections.setLabel(userId, connectionId, label);
  }

  @Delete('connections/:connectionId')
  @UserSession()
  @ApiOperation({ summary: 'Revoke at the provider (best effort) and forget one connection. Gone already, or not this user’s: 404.' })
  @ApiOkResponse({ type: DisconnectResultDto })
  @ApiErrors(CommonException.validationFailed('connectionId must be a UUID'), ConnectionsException.connectionNotFound())
  disconnectOne(@CurrentUserId() userId: string, @Param() { connectionId }: ConnectionIdParamDto): Promise<DisconnectResultDto> {
    return this.connections.disconnectOne(userId, connectionId);
  }

  @Get(':platform/connect-url')
  @UserSession()
  @ApiOperation({ summary: 'Start connecting: the provider URL to send the user to (with state and PKCE)' })
  @ApiOkResponse({ type: ConnectUrlDto })
  @ApiErrors(
    ProvidersException.unknownPlatform('tiktok'),
    CommonException.validationFailed('platform must be a platform id (lowercase letters, digits, - and _)'),
    ConnectionsException.connectionNotFound(),
    ConnectionsException.tooManyPending(20),
    ConnectionsException.rateLimited(30_000),
  )
  connectUrl(@CurrentUserId() userId: string, @Param() { platform }: PlatformParamDto, @Query() query: ConnectUrlQueryDto): Promise<ConnectUrlDto> {
    return this.flow.connectUrl(userId, platform, query);
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
    ConnectionsException.noAccount('no_channel', 'This Google account has no YouTube channel; create one, then connect again'),
    ConnectionsException.connectionNotFound(),
    ConnectionsException.accountMismatch(),
    ConnectionsException.tooManyConnections('tiktok', 10),
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
  @ApiOperation({ summary: "Whether the user has connected this platform: the latest connection's fields, and every connection" })
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
  @ApiOperation({ summary: "Revoke at the provider (best effort) and forget every one of the user's connections of this platform. Idempotent." })
  @ApiOkResponse({ type: DisconnectResultDto })
  @ApiErrors(
    ProvidersException.unknownPlatform('tiktok'),
    CommonException.validationFailed('platform must be a platform id (lowercase letters, digits, - and _)'),
  )
  disconnect(@CurrentUserId() userId: string, @Param() { platform }: PlatformParamDto): Promise<DisconnectResultDto> {
    return this.connections.disconnectPlatform(userId, platform);
  }
}
