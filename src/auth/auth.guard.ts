import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { AdminSessionService, ADMIN_COOKIE } from './admin-session.service.js';
import { AuthException } from './auth.exception.js';
import { AUTH_KIND, type AuthenticatedRequest, type AuthKind, type UserPrincipal } from './auth.types.js';
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
    private readonly adminSessions: AdminSessionService,
  ) {}

  private adminFromBearer(req: Request): UserPrincipal {
    const principal = this.jwt.verifySession(JwtVerifierService.bearer(req.headers.authorization));
    if (!principal.admin) throw AuthException.forbidden('This route needs an admin session');
    return { ...principal, via: 'bearer' };
  }

  /** The admin UI's cookie session; state-changing calls must echo its CSRF token in a header. */
  private adminFromCookie(req: Request): UserPrincipal {
    const value = readCookie(req.headers.cookie, ADMIN_COOKIE);
    if (!value) throw AuthException.unauthorized('Missing Authorization header or admin session cookie');
    const session = this.adminSessions.verifyCookie(value);
    if (!session) throw AuthException.unauthorized('The admin session has expired; sign in again');
    if (!SAFE_METHODS.has(req.method)) {
      const sent = Buffer.from(String(req.headers['x-csrf-token'] ?? ''));
      const expected = Buffer.from(session.csrf);
      if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) throw AuthException.forbidden('Missing or wrong X-CSRF-Token header');
    }
    return { kind: 'user', userId: `admin:${session.adminId}`, admin: true, via: 'cookie', email: session.email, csrf: session.csrf };
  }

  canActivate(context: ExecutionContext): boolean {
    const kind = this.reflector.getAllAndOverride<AuthKind | undefined>(AUTH_KIND, [context.getHandler(), context.getClass()]);
    const req = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    switch (kind) {
      case 'public':
        return true;
      case 'user':
        req.principal = this.jwt.verifySession(JwtVerifierService.bearer(req.headers.authorization));
        return true;
      case 'admin':
        req.principal = req.headers.authorization === undefined ? this.adminFromCookie(req) : this.adminFromBearer(req);
        return true;
      case 'service':
        req.principal = this.jwt.verifyService(JwtVerifierService.bearer(req.headers.authorization));
        return true;
      default:
        this.logger.error(`Route ${context.getClass().name}.${context.getHandler().name} declares no authentication; refusing`);
        throw AuthException.forbidden('Route has no authentication policy');
    }
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}
