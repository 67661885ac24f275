import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { comparePassword, hashPassword, signJwt, verifyJwt } from '@ttoss/auth-core';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { AuthException } from './auth.exception.js';
import { AdminUserRepository } from './admin-user.repository.js';
import { RateLimiter } from '../common/rate-limiter.js';

export const ADMIN_COOKIE = 'oc_admin';
export const ADMIN_SESSION_TTL_S = 2 * 3600;
const COOKIE_KIND = 'admin_cookie';
// Compared against when the account does not exist, so timing does not reveal which emails exist.
const DUMMY_HASH = 'pbkdf2-sha256$600000$00000000000000000000000000000000$' + '0'.repeat(128);

export type AdminCookieSession = { adminId: string; email: string; csrf: string };

/** Email + password sign-in for the admin UI, issuing a short-lived signed cookie session. */
@Injectable()
export class AdminSessionService implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminAuth');
  private readonly perAccount = new RateLimiter(5, 15 * 60_000);
  private readonly perIp = new RateLimiter(20, 15 * 60_000);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly admins: AdminUserRepository,
  ) {}

  /** Created by this start (development, first run): main.ts prints it last, after "listening". */
  developmentAdmin?: { email: string; password: string };

  /** Development first run on loopback: an admin account so the admin UI can be tried at once. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.nodeEnv !== 'development' || !this.config.devConveniences || (await this.admins.count()) > 0) return;
    const password = randomBytes(12).toString('base64url');
    this.developmentAdmin = await this.createAdmin('admin@localhost', password).then(({ email }) => ({ email, password }));
  }

  static normalizeEmail(email: string): string {
    return email.trim().toLowerCase();
  }

  async createAdmin(email: string, password: string): Promise<{ id: string; email: string }> {
    if (password.length < 12) throw new AuthException(400, 'weak_password', 'Admin passwords need at least 12 characters');
    const user = await this.admins.create(AdminSessionService.normalizeEmail(email), await hashPassword(password));
    return { id: user.id, email: user.email };
  }

  async signIn(emailRaw: string, password: string, ip: string): Promise<{ cookie: string; session: AdminCookieSession }> {
    const email = AdminSessionService.normalizeEmail(emailRaw);
    const wait = Math.max(this.perAccount.blockedFor(email), this.perIp.blockedFor(ip));
    if (wait > 0) {
      throw new AuthException(429, 'too_many_attempts', 'Too many sign-in attempts; try again later', { 'Retry-After': String(Math.ceil(wait / 1000)) });
    }
    this.perIp.hit(ip);
    const user = await this.admins.findWithHashByEmail(email);
    const ok = await comparePassword(password, user?.passwordHash ?? DUMMY_HASH).catch(() => false);
    if (!user || !ok) {
      this.perAccount.hit(email);
      this.logger.warn('Admin sign-in failed', { ip });
      throw AuthException.unauthorized('Wrong email or password');
    }
    this.perAccount.reset(email);
    await this.admins.touchLogin(user.id);
    const session = { adminId: user.id, email: user.email, csrf: randomBytes(24).toString('base64url') };
    const cookie = signJwt({ payload: { sub: user.id, email: user.email, role: 'admin', kind: COOKIE_KIND, csrf: session.csrf }, secret: this.config.sessionJwtSecret, expiresInSeconds: ADMIN_SESSION_TTL_S });
    return { cookie, session };
  }

  /** The admin behind a cookie value, or null. */
  verifyCookie(value: string): AdminCookieSession | null {
    const claims = verifyJwt({ token: value, secret: this.config.sessionJwtSecret });
    if (!claims || claims.kind !== COOKIE_KIND || typeof claims.exp !== 'number' || typeof claims.sub !== 'string' || typeof claims.csrf !== 'string') return null;
    return { adminId: claims.sub, email: String(claims.email), csrf: claims.csrf };
  }

  cookieAttributes(maxAgeS: number): string {
    // Secure everywhere except plain-http development.
    const secure = this.config.isProduction || this.config.appUrl.startsWith('https:') ? '; Secure' : '';
    return `Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`;
  }
}
