import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { Principal } from './auth.types.js';
import type { AdminSessionDto, AdminSignInDto } from './admin-session.dto.js';
import { ADMIN_COOKIE, ADMIN_SESSION_TTL_S, AdminSessionService } from './admin-session.service.js';

/** HTTP side of admin sessions: cookies in and out. */
@Injectable()
export class AdminSessionFacade {
  constructor(private readonly sessions: AdminSessionService) {}

  async signIn(body: AdminSignInDto, ip: string, res: Response): Promise<AdminSessionDto> {
    const { cookie, session } = await this.sessions.signIn(body.email, body.password, ip);
    res.setHeader('Set-Cookie', `${ADMIN_COOKIE}=${cookie}; ${this.sessions.cookieAttributes(ADMIN_SESSION_TTL_S)}`);
    return { email: session.email, csrfToken: session.csrf, expiresAt: new Date(Date.now() + ADMIN_SESSION_TTL_S * 1000).toISOString() };
  }

  describe(principal: Principal | undefined): AdminSessionDto {
    const p = principal?.kind === 'user' ? principal : undefined;
    return { email: p?.email ?? p?.userId ?? null, csrfToken: p?.csrf ?? null, expiresAt: null };
  }

  signOut(res: Response): AdminSessionDto {
    res.setHeader('Set-Cookie', `${ADMIN_COOKIE}=; ${this.sessions.cookieAttributes(0)}`);
    return { email: null, csrfToken: null, expiresAt: null };
  }
}
