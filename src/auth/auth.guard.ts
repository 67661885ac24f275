import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { ADMIN_API_KEY_PATTERN, AdminApiKeyService } from './admin-api-key.service.js';
import { ADMIN_COOKIE, AdminSessionService } from './admin-session.service.js';
import { AuthException } from './auth.exception.js';
import { AUTH_KIND, type AuthenticatedRequest, type AuthKind, type UserPrincipal } from './auth.types.js';
import { JwtVerifierService } from './jwt-verifier.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const USE_API_KEY = 'create an admin API key with npm run admin:create -- --email <address> --api-key (or admin:api-key for an existing admin)';

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
    private readonly apiKeys: AdminApiKeyService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Scripts: an admin API key, or (opt-in, ADMIN_SESSION_JWT=true) a session JWT with role admin. */
  private async adminFromBearer(header: string | string[]): Promise<UserPrincipal> {
    if (Array.isArray(header) || header.length > 4200) throw AuthException.unauthorized('Malformed Authorization header');
    const credential = /^Bearer (\S+)$/.exec(header)?.[1];
    if (credential && ADMIN_API_KEY_PATTERN.test(credential)) {
      const admin = await this.apiKeys.verify(credential);
      if (!admin) throw AuthException.unauthorized('Unknown or revoked admin API key');
      return { kind: 'user', userId: `admin:${admin.adminId}`, admin: true, via: 'api-key', email: admin.email };
    }
    if (!credential || !JWT_SHAPE.test(credential)) throw AuthException.unauthorized('Authorization header must be "Bearer <admin API key>"');
    const principal = this.jwt.verifySession(credential);
    if (!principal.admin) throw AuthException.forbidden(`This route needs an admin: ${USE_API_KEY}`);
    if (!this.config.adminSessionJwt) throw AuthException.forbidden(`Session JWTs with role "admin" are refused unless ADMIN_SESSION_JWT=true; ${USE_API_KEY}`);
    return { ...principal, via: 'jwt' };
  }

  /** The admin UI's server-side session; state-changing calls must echo its CSRF token in a header. */
  private async adminFromCookie(req: FastifyRequest): Promise<UserPrincipal> {
    const value = readCookie(req.headers.cookie, ADMIN_COOKIE);
    if (!value) throw AuthException.unauthorized('Missing Authorization header or admin session cookie');
    const session = await this.adminSessions.resolve(value);
    if (!session) throw AuthException.unauthorized('The admin session has expired or was signed out; sign in again');
    if (!SAFE_METHODS.has(req.method)) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !AdminSessionService.csrfMatches(session, sent)) {
        throw AuthException.csrfFailed();
      }
    }
    return {
      kind: 'user',
      userId: `admin:${session.adminId}`,
      admin: true,
      via: 'cookie',
      email: session.email,
      sessionId: session.id,
      expiresAt: session.expiresAt.toISOString(),
    };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kind = this.reflector.getAllAndOverride<AuthKind | undefined>(AUTH_KIND, [context.getHandler(), context.getClass()]);
    const req = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    switch (kind) {
      case 'public':
        return true;
      case 'user':
        req.principal = this.jwt.verifySession(JwtVerifierService.bearer(req.headers.authorization));
        return true;
      case 'admin':
        req.principal = req.headers.authorization === undefined ? await this.adminFromCookie(req) : await this.adminFromBearer(req.headers.authorization);
        return true;
      case 'service':
        req.principal = this.jwt.verifyService(JwtVerifierService.bearer(req.headers.authorization));
        return true;
      case undefined: // no auth decorator on the route or its controller
      default:
        this.logger.error(`Route ${context.getClass().name}.${context.getHandler().name} declares no authentication; refusing`);
        throw AuthException.forbidden('Route has no authentication policy');
    }
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}
