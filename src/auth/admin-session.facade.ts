import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Principal } from './auth.types.js';
import type { AdminSessionDto, AdminSignInDto } from './admin-session.dto.js';
import { ADMIN_COOKIE, ADMIN_SESSION_TTL_S, AdminSessionService } from './admin-session.service.js';

/** HTTP side of admin sessions: cookies in and out. */
@Injectable()
export class AdminSessionFacade {
  constructor(private readonly sessions: AdminSessionService) {}

  async signIn(body: AdminSignInDto, ip: string, res: FastifyReply): Promise<AdminSessionDto> {
    const signedIn = await this.sessions.signIn(body.email, body.password, ip);
    res.header('Set-Cookie', `${ADMIN_COOKIE}=${signedIn.cookie}; ${this.sessions.cookieAttributes(ADMIN_SESSION_TTL_S)}`);
    return { email: signedIn.email, csrfToken: signedIn.csrfToken, expiresAt: signedIn.expiresAt.toISOString() };
  }

  /** For a cookie session this issues a fresh CSRF token (only its hash is stored, so the old one cannot be shown again). */
  async describe(principal: Principal | undefined): Promise<AdminSessionDto> {
    const p = principal?.kind === 'user' ? principal : undefined;
    if (p?.via === 'cookie' && p.sessionId) {
      return { email: p.email ?? null, csrfToken: await this.sessions.issueCsrf(p.sessionId), expiresAt: p.expiresAt ?? null };
    }
    return { email: p?.email ?? p?.userId ?? null, csrfToken: null, expiresAt: null };
  }

  async signOut(principal: Principal | undefined, res: FastifyReply): Promise<AdminSessionDto> {
    if (principal?.kind === 'user' && principal.sessionId) await this.sessions.signOut(principal.sessionId);
    res.header('Set-Cookie', `${ADMIN_COOKIE}=; ${this.sessions.cookieAttributes(0)}`);
    return { email: null, csrfToken: null, expiresAt: null };
  }
}
