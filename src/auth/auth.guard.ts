import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuthException } from './auth.exception.js';
import { AUTH_KIND, type AuthenticatedRequest, type AuthKind } from './auth.types.js';
import { JwtVerifierService } from './jwt-verifier.service.js';

/**
 * Global guard. Every route must declare how it is authenticated; one that does not is
 * refused (fail closed) and a test walks all routes to catch it before it ships.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('AuthGuard');

  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtVerifierService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const kind = this.reflector.getAllAndOverride<AuthKind | undefined>(AUTH_KIND, [context.getHandler(), context.getClass()]);
    const req = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    switch (kind) {
      case 'public':
        return true;
      case 'user':
        req.principal = this.jwt.verifySession(JwtVerifierService.bearer(req.headers.authorization));
        return true;
      case 'admin': {
        const principal = this.jwt.verifySession(JwtVerifierService.bearer(req.headers.authorization));
        if (!principal.admin) throw AuthException.forbidden('This route needs an admin session');
        req.principal = principal;
        return true;
      }
      case 'service':
        req.principal = this.jwt.verifyService(JwtVerifierService.bearer(req.headers.authorization));
        return true;
      default:
        this.logger.error(`Route ${context.getClass().name}.${context.getHandler().name} declares no authentication; refusing`);
        throw AuthException.forbidden('Route has no authentication policy');
    }
  }
}
