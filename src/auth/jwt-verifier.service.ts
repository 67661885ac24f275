import { Inject, Injectable } from '@nestjs/common';
import { type JwtPayload, verifyJwt } from '@ttoss/auth-core';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { AuthException } from './auth.exception.js';
import { CLOCK_SKEW_SECONDS, MAX_SERVICE_TOKEN_TTL, SERVICE_AUDIENCE, type ServicePrincipal, type UserPrincipal } from './auth.types.js';

const MAX_TOKEN_LENGTH = 4096;
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;
const now = () => Math.floor(Date.now() / 1000);
/** Service tokens verified lately: jobs reuse one for minutes, so each is checked once, not per call. */
const SERVICE_CACHE_SIZE = 1000;

/** Verifies the two kinds of HS256 bearer tokens. Messages never echo the token. */
@Injectable()
export class JwtVerifierService {
  private readonly verifiedServices = new Map<string, { principal: ServicePrincipal; exp: number }>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  static bearer(header: string | string[] | undefined): string {
    if (header === undefined || header === '') throw AuthException.unauthorized('Missing Authorization header');
    if (Array.isArray(header) || header.length > MAX_TOKEN_LENGTH + 7) throw AuthException.unauthorized('Malformed Authorization header');
    const match = BEARER.exec(header);
    if (!match) throw AuthException.unauthorized('Authorization header must be "Bearer <jwt>"');
    return match[1]!;
  }

  private verify(token: string, secret: string, what: string): JwtPayload & { exp: number } {
    const claims = verifyJwt({ token, secret });
    if (!claims) throw AuthException.unauthorized(`Invalid or expired ${what} token`);
    if (typeof claims.exp !== 'number') throw AuthException.unauthorized(`${what} token must carry exp`);
    if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat > now() + CLOCK_SKEW_SECONDS)) {
      throw AuthException.unauthorized(`${what} token is issued in the future`);
    }
    // RFC 7519 4.1.5, with the same skew as iat.
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now() + CLOCK_SKEW_SECONDS)) {
      throw AuthException.unauthorized(`${what} token is not valid yet (nbf)`);
    }
    return claims as JwtPayload & { exp: number };
  }

  verifySession(token: string): UserPrincipal {
    const claims = this.verify(token, this.config.sessionJwtSecret, 'session');
    // A bounded lifetime needs a start: without iat a stolen token would be valid until its far exp.
    if (typeof claims.iat !== 'number') throw AuthException.unauthorized('session token must carry iat');
    const maxTtl = this.config.sessionJwtMaxTtlSeconds;
    if (claims.exp - claims.iat > maxTtl) {
      throw AuthException.unauthorized(`session token lives longer than ${maxTtl} seconds (SESSION_JWT_MAX_TTL); issue sessions with a shorter exp`);
    }
    const sub = claims.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255) {
      throw AuthException.unauthorized('session token sub must be a user id of 1 to 255 characters');
    }
    if (claims.aud === SERVICE_AUDIENCE) throw AuthException.unauthorized('A service token is not a user session');
    return { kind: 'user', userId: sub, admin: claims.role === 'admin' };
  }

  /** Every check of verifyServiceToken, remembered until the token's exp (bounded, oldest out first). */
  verifyService(token: string): ServicePrincipal {
    const cached = this.verifiedServices.get(token);
    if (cached && cached.exp > now()) return cached.principal;
    if (cached) this.verifiedServices.delete(token);
    const verified = this.verifyServiceToken(token);
    if (this.verifiedServices.size >= SERVICE_CACHE_SIZE) this.verifiedServices.delete(this.verifiedServices.keys().next().value!);
    this.verifiedServices.set(token, verified);
    return verified.principal;
  }

  private verifyServiceToken(token: string): { principal: ServicePrincipal; exp: number } {
    const claims = this.verify(token, this.config.serviceJwtSecret, 'service');
    if (claims.aud !== SERVICE_AUDIENCE) throw AuthException.unauthorized(`service token aud must be "${SERVICE_AUDIENCE}"`);
    if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 255) {
      throw AuthException.unauthorized('service token must name the service in sub');
    }
    if (typeof claims.iat !== 'number') throw AuthException.unauthorized('service token must carry iat');
    if (claims.exp - claims.iat > MAX_SERVICE_TOKEN_TTL) {
      throw AuthException.unauthorized(`service token lives longer than ${MAX_SERVICE_TOKEN_TTL} seconds`);
    }
    const platforms = claims.platforms;
    if (platforms !== undefined && (!Array.isArray(platforms) || !platforms.every((p) => typeof p === 'string'))) {
      throw AuthException.unauthorized('service token platforms must be an array of platform ids');
    }
    const principal: ServicePrincipal = { kind: 'service', service: claims.sub, platforms: platforms && Object.freeze([...(platforms as string[])]) };
    return { principal: Object.freeze(principal), exp: claims.exp };
  }
}
