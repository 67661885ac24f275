import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { RetentionService } from '../jobs/retention.service.js';
import { ConnectSessionRepository } from './connect-session.repository.js';

/** An expired session is kept an hour, so a late page view says "expired" rather than "not valid". */
export const EXPIRED_SESSION_GRACE_MS = 3_600_000;

/**
 * Sessions are deleted an hour after they expire, plus CONNECT_STATE_TTL: a flow started just before
 * the expiry still finds its session (and returnUrl) when the provider sends the user back.
 */
@Injectable()
export class ConnectSessionRetentionService implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: ConnectSessionRepository,
    private readonly retention: RetentionService,
  ) {}

  onModuleInit(): void {
    const graceMs = EXPIRED_SESSION_GRACE_MS + this.config.connectStateTtlMs;
    this.retention.register({ table: 'connect_sessions', deleteBatch: (limit) => this.sessions.deleteExpired(graceMs, limit) });
  }
}
