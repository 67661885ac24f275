import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { comparePassword, generateOneTimeToken, hashOneTimeToken, hashPassword, verifyOneTimeToken } from '@ttoss/auth-core';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { type RateLimitRule, RateLimitService } from '../rate-limit/rate-limit.service.js';
import { ADMIN_EMAIL_MESSAGE, isAdminEmail, normalizeAdminEmail } from './admin-email.js';
import { type ActiveAdminSession, AdminSessionRepository } from './admin-session.repository.js';
import { AdminUserRepository } from './admin-user.repository.js';
import { AuthException } from './auth.exception.js';
import { deleteInBatches, scheduleRetention } from '../common/retention.js';

export const ADMIN_COOKIE = 'oc_admin';
export const ADMIN_SESSION_TTL_S = 2 * 3600;
/** The cookie value: 32 random bytes, hex (generateOneTimeToken). */
const SESSION_ID = /^[0-9a-f]{64}$/;
// Across all instances (counters in Postgres). The account limit is counted before the password
// is compared, so parallel guesses cannot all be tried before the first failure is recorded.
const SIGN_IN_PER_ACCOUNT: RateLimitRule = { bucket: 'admin-sign-in-account', limit: 5, windowMs: 15 * 60_000 };
const SIGN_IN_PER_IP: RateLimitRule = { bucket: 'admin-sign-in-ip', limit: 20, windowMs: 15 * 60_000 };
// Compared against when the account does not exist, so timing does not reveal which emails exist.
const DUMMY_HASH = 'pbkdf2-sha256$600000$00000000000000000000000000000000$' + '0'.repeat(128);

export type SignedIn = { cookie: string; csrfToken: string; email: string; expiresAt: Date };

/** Email + password sign-in for the admin UI, with server-side sessions (table admin_sessions). */
@Injectable()
export class AdminSessionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AdminAuth');
  private stopRetention?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly admins: AdminUserRepository,
    private readonly sessions: AdminSessionRepository,
    private readonly limits: RateLimitService,
  ) {}

  /** Created by this start (development, first run): main.ts prints it last, after "listening". */
  developmentAdmin?: { email: string; password: string };

  /** Development first run on loopback: an admin account so the admin UI can be tried at once. Also starts session retention. */
  async onApplicationBootstrap(): Promise<void> {
    this.stopRetention = scheduleRetention(this.logger, 'admin sessions', () => this.deleteExpiredSessions());
    if (this.config.nodeEnv !== 'development' || !this.config.devConveniences || (await this.admins.count()) > 0) return;
    const password = randomBytes(12).toString('base64url');
    this.developmentAdmin = await this.createAdmin('admin@localhost', password).then(({ email }) => ({ email, password }));
  }

  onApplicationShutdown(): void {
    this.stopRetention?.();
  }

  async createAdmin(email: string, password: string): Promise<{ id: string; email: string }> {
    if (!isAdminEmail(email)) throw new AuthException(400, 'invalid_email', ADMIN_EMAIL_MESSAGE);
    if (password.length < 12) throw new AuthException(400, 'weak_password', 'Admin passwords need at least 12 characters');
    const user = await this.admins.create(normalizeAdminEmail(email), await hashPassword(password));
    return { id: user.id, email: user.email };
  }

  private async throttle(rule: RateLimitRule, key: string): Promise<void> {
    const wait = await this.limits.consume(rule, key);
    if (wait > 0) throw AuthException.tooManyAttempts(wait);
  }

  async signIn(emailRaw: string, password: string, ip: string): Promise<SignedIn> {
    const email = normalizeAdminEmail(emailRaw);
    await this.throttle(SIGN_IN_PER_IP, ip);
    await this.throttle(SIGN_IN_PER_ACCOUNT, email);
    const user = await this.admins.findWithHashByEmail(email);
    const ok = await comparePassword(password, user?.passwordHash ?? DUMMY_HASH).catch(() => false);
    if (!user || !ok) {
      this.logger.warn('Admin sign-in failed', { ip });
      throw AuthException.unauthorized('Wrong email or password');
    }
    await this.limits.reset(SIGN_IN_PER_ACCOUNT, email);
    await this.admins.touchLogin(user.id);
    const session = generateOneTimeToken({ expiresInSeconds: ADMIN_SESSION_TTL_S });
    const csrf = generateOneTimeToken();
    await this.sessions.insert({ adminId: user.id, tokenHash: session.tokenHash, csrfHash: csrf.tokenHash, expiresAt: session.expires });
    return { cookie: session.token, csrfToken: csrf.token, email: user.email, expiresAt: session.expires };
  }

  /** The live session behind a cookie value, or null (unknown, signed out, expired, admin deleted). */
  async resolve(cookie: string): Promise<ActiveAdminSession | null> {
    if (!SESSION_ID.test(cookie)) return null;
    return this.sessions.findActive(hashOneTimeToken(cookie));
  }

  static csrfMatches(session: ActiveAdminSession, sent: string): boolean {
    return sent.length > 0 && verifyOneTimeToken({ token: sent, tokenHash: session.csrfHash, expires: session.expiresAt });
  }

  /** A fresh CSRF token for the session (the old one stops working); only its hash is kept. */
  async issueCsrf(sessionId: string): Promise<string> {
    const csrf = generateOneTimeToken();
    await this.sessions.setCsrfHash(sessionId, csrf.tokenHash);
    return csrf.token;
  }

  signOut(sessionId: string): Promise<void> {
    return this.sessions.delete(sessionId);
  }

  /** Retention: expired sessions, in bounded batches. */
  deleteExpiredSessions(): Promise<number> {
    return deleteInBatches((limit) => this.sessions.deleteExpired(limit));
  }

  cookieAttributes(maxAgeS: number): string {
    // Secure everywhere except plain-http development.
    const secure = this.config.isProduction || this.config.appUrl.startsWith('https:') ? '; Secure' : '';
    return `Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`;
  }
}
