import { applyDecorators, Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators.js';
import { ApiErrors, jsonBodyErrors } from '../common/api-errors.js';
import { CommonException } from '../common/common.exception.js';
import { Consumes } from '../common/media-type.js';
import { sendDemo, toOAuthRequest } from './demo-http.js';
import { DemoFailuresDto, DemoFailuresStateDto } from './demo.dto.js';
import { DemoProviderService } from './demo-provider.service.js';

const FORM = 'application/x-www-form-urlencoded';
// OAuth endpoints take form bodies and answer errors in the RFC 6749 shape; only a wrong body type gets ours.
const formOnly = () => applyDecorators(Consumes(FORM), ApiErrors(CommonException.unsupportedMediaType([FORM], 'application/json')));
const formBody = (fields: Record<string, string>) =>
  ApiBody({
    schema: { type: 'object', properties: Object.fromEntries(Object.entries(fields).map(([k, description]) => [k, { type: 'string', description }])) },
  });

/**
 * The demo platform's authorization server (development only). Public: these are the
 * provider's own endpoints, which authenticate their clients themselves.
 */
@ApiTags('demo')
@Controller('demo-provider')
export class DemoProviderController {
  constructor(private readonly demo: DemoProviderService) {}

  @Get('.well-known/oauth-authorization-server')
  @Public()
  @ApiOperation({ summary: 'Demo provider: authorization server metadata (RFC 8414)' })
  metadata(@Res() res: FastifyReply): void {
    sendDemo(res, this.demo.metadata());
  }

  @Get('authorize')
  @Public()
  @ApiOperation({ summary: 'Demo provider: authorization endpoint (PKCE S256 required); shows the sign-in/consent page' })
  async authorize(@Req() req: FastifyRequest, @Res() res: FastifyReply): Promise<void> {
    sendDemo(res, await this.demo.authorize(toOAuthRequest(req)));
  }

  @Post('authorize')
  @Public()
  @formOnly()
  @formBody({ account: 'Demo account name', decision: 'allow or deny', client_id: 'and the other authorization request parameters, unchanged' })
  @ApiOperation({ summary: "Demo provider: the consent form's answer; redirects to the client with code/state/iss or error=access_denied" })
  async consent(@Req() req: FastifyRequest, @Res() res: FastifyReply): Promise<void> {
    sendDemo(res, await this.demo.consent(toOAuthRequest(req)));
  }

  @Post('token')
  @Public()
  @formOnly()
  @formBody({
    grant_type: 'authorization_code or refresh_token',
    code: '',
    code_verifier: '',
    redirect_uri: '',
    refresh_token: '',
    client_id: '',
    client_secret: '',
  })
  @ApiOperation({ summary: 'Demo provider: token endpoint (authorization code with PKCE; refresh with rotation)' })
  async token(@Req() req: FastifyRequest, @Res() res: FastifyReply): Promise<void> {
    sendDemo(res, await this.demo.token(toOAuthRequest(req)));
  }

  @Post('revoke')
  @Public()
  @formOnly()
  @formBody({ token: 'A refresh token (revokes the grant) or an access token', token_type_hint: '', client_id: '', client_secret: '' })
  @ApiOperation({ summary: 'Demo provider: token revocation (RFC 7009)' })
  async revoke(@Req() req: FastifyRequest, @Res() res: FastifyReply): Promise<void> {
    sendDemo(res, await this.demo.revoke(toOAuthRequest(req)));
  }

  @Get('userinfo')
  @Public()
  @ApiOperation({ summary: 'Demo provider: the account behind a Bearer access token ({ sub, preferred_username, name })' })
  async userinfo(@Req() req: FastifyRequest, @Res() res: FastifyReply): Promise<void> {
    sendDemo(res, await this.demo.userinfo(toOAuthRequest(req)));
  }

  @Post('_failures')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Demo provider (development only): make the next token requests fail, to see backoff and failure reporting' })
  @ApiOkResponse({ type: DemoFailuresStateDto })
  @ApiErrors(...jsonBodyErrors('count is required'))
  failures(@Body() body: DemoFailuresDto): DemoFailuresStateDto {
    return this.demo.setFailures(body);
  }
}
