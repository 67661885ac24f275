import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiErrors, DATABASE_ERRORS } from '../common/api-errors.js';
import { AuthException } from './auth.exception.js';
import { AUTH_KIND, type AuthenticatedRequest, type AuthKind, type ServicePrincipal } from './auth.types.js';

const unauthorized = ApiErrors(AuthException.unauthorized('Invalid or expired session token'));

/** No credentials needed. Explicit, so forgetting a policy is caught rather than opened. */
export const Public = () => applyDecorators(SetMetadata(AUTH_KIND, 'public' satisfies AuthKind), ApiSecurity({}));

/** A user session: `Authorization: Bearer <session JWT>` signed with SESSION_JWT_SECRET. */
export const UserSession = () => applyDecorators(SetMetadata(AUTH_KIND, 'user' satisfies AuthKind), ApiBearerAuth('session'), unauthorized);

/** A backend service: short-lived JWT with `aud: "internal"` signed with SERVICE_JWT_SECRET. */
export const ServiceAuth = () =>
  applyDecorators(
    SetMetadata(AUTH_KIND, 'service' satisfies AuthKind),
    ApiBearerAuth('service'),
    ApiErrors(AuthException.unauthorized('Invalid or expired service token')),
  );

/**
 * An admin: the admin UI's server-side cookie session (plus X-CSRF-Token on changes), an admin API
 * key as bearer, or, only with ADMIN_SESSION_JWT=true, a session JWT carrying `role: "admin"`.
 */
export const Admin = () =>
  applyDecorators(
    SetMetadata(AUTH_KIND, 'admin' satisfies AuthKind),
    ApiBearerAuth('admin-key'),
    ApiCookieAuth('admin-cookie'),
    ApiErrors(
      AuthException.unauthorized('Missing Authorization header or admin session cookie'),
      AuthException.forbidden('This route needs an admin'),
      AuthException.csrfFailed(),
      ...DATABASE_ERRORS,
    ),
  );

/** The authenticated user's id (routes under UserSession or Admin). */
export const CurrentUserId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (principal?.kind !== 'user') throw new Error('CurrentUserId used on a route without a user session');
  return principal.userId;
});

/** The calling service (routes under ServiceAuth). */
export const CurrentService = createParamDecorator((_: unknown, ctx: ExecutionContext): ServicePrincipal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (principal?.kind !== 'service') throw new Error('CurrentService used on a route without ServiceAuth');
  return principal;
});
