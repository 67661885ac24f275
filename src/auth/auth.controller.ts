import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Admin, CurrentService, ServiceAuth, UserSession } from './auth.decorators.js';
import { ServiceInfoDto, SessionInfoDto } from './auth.dto.js';
import type { AuthenticatedRequest, ServicePrincipal, UserPrincipal } from './auth.types.js';

/** Lets callers check what this service makes of their credential. */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  @Get('session')
  @UserSession()
  @ApiOperation({ summary: 'The user behind a session token' })
  @ApiOkResponse({ type: SessionInfoDto })
  session(@Req() req: AuthenticatedRequest): SessionInfoDto {
    const { userId, admin } = req.principal as UserPrincipal;
    return { userId, admin };
  }

  @Get('admin')
  @Admin()
  @ApiOperation({ summary: 'Check an admin session' })
  @ApiOkResponse({ type: SessionInfoDto })
  admin(@Req() req: AuthenticatedRequest): SessionInfoDto {
    const { userId, admin } = req.principal as UserPrincipal;
    return { userId, admin };
  }

  @Get('service')
  @ServiceAuth()
  @ApiOperation({ summary: 'The service behind a service token' })
  @ApiOkResponse({ type: ServiceInfoDto })
  service(@CurrentService() principal: ServicePrincipal): ServiceInfoDto {
    return { service: principal.service, platforms: principal.platforms && [...principal.platforms] };
  }
}
