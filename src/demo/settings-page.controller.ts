import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.js';
import { CommonException } from '../common/common.exception.js';
import { TokenIssuerService } from '../auth/token-issuer.service.js';
import { sendDemo } from './demo-http.js';
import { DevSessionDto, DevSessionQueryDto } from './demo.dto.js';
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
  constructor(private readonly tokens: TokenIssuerService) {}

  @Get('dev-session')
  @Public()
  @ApiOperation({ summary: 'DEVELOPMENT ONLY (absent in production): a one-hour session JWT for any user id, for the reference settings page' })
  @ApiOkResponse({ type: DevSessionDto })
  @ApiErrors(CommonException.validationFailed('userId is required'))
  devSession(@Query() { userId }: DevSessionQueryDto): DevSessionDto {
    return { token: this.tokens.sessionToken({ sub: userId, ttl: DEV_SESSION_TTL }), userId, expiresIn: DEV_SESSION_TTL };
  }
}
