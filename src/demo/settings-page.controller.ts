import { Body, Controller, Get, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUserId, Public, UserSession } from '../auth/auth.decorators.js';
import { ApiErrors, jsonBodyErrors } from '../common/api-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { ConnectSessionDto } from '../connect-sessions/connect-sessions.dto.js';
import { ConnectSessionsService } from '../connect-sessions/connect-sessions.service.js';
import { ConnectionsException } from '../connections/connections.exception.js';
import { CommonException } from '../common/common.exception.js';
import { TokenIssuerService } from '../auth/token-issuer.service.js';
import { sendDemo } from './demo-http.js';
import { DevConnectSessionDto, DevSessionDto, DevSessionQueryDto } from './demo.dto.js';
import { SettingsPageService } from './settings-page.service.js';

const DEV_SESSION_TTL = 3600;

/** The reference settings page, also the default OAUTH_REDIRECT_URI. Static, so public. */
@ApiTags('demo')
@Controller('my/settings')
export class SettingsPageController {
  constructor(private readonly page: SettingsPageService) {}

  @Get('social')
  @Public()
  @ApiOperation({ summary: 'Reference settings page (HTML): list, connect, status, disconnect. Also the default redirect URI.' })
  html(@Res() res: FastifyReply): void {
    sendDemo(res, this.page.page());
  }

  @Get('social-hosted')
  @Public()
  @ApiOperation({ summary: 'Reference settings page, hosted variant (HTML): connecting opens the hosted connect page (connect sessions) in a popup' })
  hosted(@Res() res: FastifyReply): void {
    sendDemo(res, this.page.hostedPage());
  }

  @Get('social.js')
  @Public()
  @ApiOperation({ summary: "The reference settings page's script" })
  script(@Res() res: FastifyReply): void {
    sendDemo(res, this.page.script());
  }
}

/** Development and test on loopback only (otherwise not registered): a session for any user id. */
@ApiTags('demo')
@Controller('my')
export class DevSessionController {
  constructor(
    private readonly tokens: TokenIssuerService,
    private readonly connectSessions: ConnectSessionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('dev-connect-session')
  @HttpCode(201)
  @UserSession()
  @ApiOperation({
    summary:
      "DEVELOPMENT ONLY (absent in production): stands in for your backend in the settings page's hosted variant, a connect session for the signed-in user returning to /my/settings/social-hosted",
  })
  @ApiCreatedResponse({ type: ConnectSessionDto })
  @ApiErrors(...jsonBodyErrors('connectionId must be a UUID'), ConnectionsException.connectionNotFound())
  devConnectSession(@CurrentUserId() userId: string, @Body() { connectionId }: DevConnectSessionDto): Promise<ConnectSessionDto> {
    return this.connectSessions.createForDevelopment(userId, `${this.config.appUrl}/my/settings/social-hosted`, connectionId);
  }

  @Get('dev-session')
  @Public()
  @ApiOperation({ summary: 'DEVELOPMENT ONLY (absent in production): a one-hour session JWT for any user id, for the reference settings page' })
  @ApiOkResponse({ type: DevSessionDto })
  @ApiErrors(CommonException.validationFailed('userId is required'))
  devSession(@Query() { userId }: DevSessionQueryDto): DevSessionDto {
    return { token: this.tokens.sessionToken({ sub: userId, ttl: DEV_SESSION_TTL }), userId, expiresIn: DEV_SESSION_TTL };
  }
}
