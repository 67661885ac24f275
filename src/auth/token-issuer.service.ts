import { Inject, Injectable } from '@nestjs/common';
import { signJwt } from '@ttoss/auth-core';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { MAX_SERVICE_TOKEN_TTL, SERVICE_AUDIENCE } from './auth.types.js';

/** Mints tokens for operators (CLI) and tests; the service itself only verifies them. */
@Injectable()
export class TokenIssuerService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  static service(secret: string, args: { sub: string; ttl?: number; platforms?: string[] }): string {
    const ttl = args.ttl ?? 300;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_SERVICE_TOKEN_TTL) throw new Error(`ttl must be 1..${MAX_SERVICE_TOKEN_TTL} seconds`);
    const payload: Record<string, unknown> = { sub: args.sub, aud: SERVICE_AUDIENCE };
    if (args.platforms?.length) payload.platforms = args.platforms;
    return signJwt({ payload, secret, expiresInSeconds: ttl });
  }

  static session(secret: string, args: { sub: string; admin?: boolean; ttl?: number; maxTtl?: number }): string {
    const ttl = args.ttl ?? 3600;
    const max = args.maxTtl ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > max)
      throw new Error(args.maxTtl ? `ttl must be 1..${max} seconds (SESSION_JWT_MAX_TTL)` : 'ttl must be a positive whole number of seconds');
    const payload: Record<string, unknown> = { sub: args.sub };
    if (args.admin) payload.role = 'admin';
    return signJwt({ payload, secret, expiresInSeconds: ttl });
  }

  sessionToken(args: { sub: string; admin?: boolean; ttl?: number }): string {
    return TokenIssuerService.session(this.config.sessionJwtSecret, { ...args, maxTtl: this.config.sessionJwtMaxTtlSeconds });
  }
}
