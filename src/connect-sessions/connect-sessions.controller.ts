import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentService, Public, ServiceAuth } from '../auth/auth.decorators.js';
import type { ServicePrincipal } from '../auth/auth.types.js';
import { ApiErrors, DATABASE_ERRORS, jsonBodyErrors } from '../common/api-errors.js';
import { CommonException } from '../common/common.exception.js';
import { Consumes } from '../common/media-type.js';
import { ConnectDto } from '../connections/connections.dto.js';
import { ConnectionsException } from '../connections/connections.exception.js';
import { ProvidersException } from '../providers/provider.exception.js';
import { ConnectSessionDto, ConnectTokenParamDto, CreateConnectSessionDto, StartConnectDto } from './connect-sessions.dto.js';
import { ConnectSessionsException } from './connect-sessions.exception.js';
import { ConnectSessionsService } from './connect-sessions.service.js';
import { sendHosted } from './hosted-http.js';

const FORM = 'application/x-www-form-urlencoded';

@ApiTags('connect-sessions')
@Controller('connect-sessions')
@ApiErrors(...DATABASE_ERRORS)
export class ConnectSessionsController {
  constructor(private readonly sessions: ConnectSessionsService) {}

  @Post()
  @HttpCode(201)
  @ServiceAuth()
  @ApiOperation({ summary: 'A single-use, 30-minute link to the hosted connect page for one user (open it as a popup, a redirect or an emailed link)' })
  @ApiCreatedResponse({ type: ConnectSessionDto })
  @ApiErrors(
    ...jsonBodyErrors('returnUrl is required'),
    ConnectSessionsException.returnUrlNotAllowed(true),
    ConnectSessionsException.platformNotAllowed('tiktok'),
    ProvidersException.unknownPlatform('tiktok'),
    ConnectionsException.connectionNotFound(),
  )
  create(@CurrentService() service: ServicePrincipal, @Body() body: CreateConnectSessionDto): Promise<ConnectSessionDto> {
    return this.sessions.create(service, body);
  }
}

/** The hosted connect pages (HTML). Public: the link's token, or the OAuth state, is the credential. */
@ApiTags('connect-sessions')
@Controller('connect')
@ApiErrors(...DATABASE_ERRORS)
export class HostedConnectController {
  constructor(private readonly sessions: ConnectSessionsService) {}

  @Get('hosted-connect.js')
  @Public()
  @ApiOperation({ summary: "The hosted connect page's script" })
  script(@Res() res: FastifyReply): void {
    sendHosted(res, this.sessions.script());
  }

  @Get('callback')
  @Public()
  @ApiProduces('text/html')
  @ApiOperation({ summary: "The hosted flow's redirect URI ($APP_URL/connect/callback): exchanges the code, then hands the result to the session's returnUrl" })
  @ApiErrors(CommonException.validationFailed('state is required'))
  async callback(@Query() query: ConnectDto, @Res() res: FastifyReply): Promise<void> {
    sendHosted(res, await this.sessions.callback(query));
  }

  @Get(':token')
  @Public()
  @ApiProduces('text/html')
  @ApiOperation({ summary: 'The hosted connect page of a connect session: the platforms to choose from, or why the link cannot be used (404, 410)' })
  async page(@Param() { token }: ConnectTokenParamDto, @Res() res: FastifyReply): Promise<void> {
    sendHosted(res, await this.sessions.page(token));
  }

  @Post(':token')
  @Public()
  @Consumes(FORM)
  @ApiBody({ type: StartConnectDto })
  @ApiProduces('text/html')
  @ApiOperation({ summary: "The hosted page's form: spends the link and redirects (303) to the chosen provider" })
  @ApiErrors(
    CommonException.validationFailed('platform must be a platform id (lowercase letters, digits, - and _)'),
    CommonException.unsupportedMediaType([FORM], 'application/json'),
  )
  async start(@Param() { token }: ConnectTokenParamDto, @Body() body: StartConnectDto, @Res() res: FastifyReply): Promise<void> {
    sendHosted(res, await this.sessions.start(token, body));
  }
}
