import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrors, DATABASE_ERRORS, jsonBodyErrors } from '../common/api-errors.js';
import { AuthException } from './auth.exception.js';
import { Admin, Public } from './auth.decorators.js';
import type { AuthenticatedRequest } from './auth.types.js';
import { AdminSessionDto, AdminSignInDto } from './admin-session.dto.js';
import { AdminSessionFacade } from './admin-session.facade.js';

@ApiTags('admin')
@Controller('admin/api/session')
@ApiErrors(...DATABASE_ERRORS)
export class AdminSessionController {
  constructor(private readonly sessions: AdminSessionFacade) {}

  @Post()
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Sign in to the admin UI (sets an HttpOnly, SameSite=Strict session cookie)' })
  @ApiOkResponse({ type: AdminSessionDto })
  @ApiErrors(...jsonBodyErrors('email is required'), AuthException.unauthorized('Wrong email or password'), AuthException.tooManyAttempts(900_000))
  signIn(@Body() body: AdminSignInDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) res: FastifyReply): Promise<AdminSessionDto> {
    return this.sessions.signIn(body, req.ip || 'unknown', res);
  }

  @Get()
  @Admin()
  @ApiOperation({ summary: 'The signed-in admin, and a fresh CSRF token for a cookie session (the previous one stops working)' })
  @ApiOkResponse({ type: AdminSessionDto })
  current(@Req() req: AuthenticatedRequest): Promise<AdminSessionDto> {
    return this.sessions.describe(req.principal);
  }

  @Delete()
  @Admin()
  @ApiOperation({ summary: 'Sign out: deletes the session on the server and clears the cookie' })
  @ApiOkResponse({ type: AdminSessionDto })
  signOut(@Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: FastifyReply): Promise<AdminSessionDto> {
    return this.sessions.signOut(req.principal, res);
  }
}
