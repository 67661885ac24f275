import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { encryptedColumn } from '../crypto/encrypted-column.transformer.js';
import type { Secret } from '../crypto/secret.js';

export type ConnectionStatus = 'active' | 'needs_reauth';
/** Where the granted scopes come from: the token response, the provider's introspection, or assumed (the requested ones). */
export type ScopesSource = 'token' | 'introspection' | 'assumed';

/** One provider account connected by one user: a user may hold several per platform, one per provider account. */
@Entity({ name: 'connections' })
@Check('ck_connections_status', "status IN ('active', 'needs_reauth')")
@Check('ck_connections_scopes_source', "scopes_source IN ('token', 'introspection', 'assumed')")
@Index('ix_connections_due', ['accessTokenExpiresAt'], { where: "status = 'active'" })
@Index('ix_connections_refresh_expiry', ['refreshTokenExpiresAt'], { where: "status = 'active' AND refresh_token_expires_at IS NOT NULL" })
@Index('ix_connections_admin_failures', ['consecutiveFailures', 'id'])
@Index('ix_connections_admin_connected', ['connectedAt', 'id'])
@Index('ix_connections_platform_status', ['platform', 'status'])
// Expression and operator-class indexes TypeORM cannot describe (migration 1764000300000): kept, not compared.
@Index('ix_connections_admin_expiry', { synchronize: false })
@Index('ix_connections_admin_refreshed', { synchronize: false })
@Index('ix_connections_user_prefix', { synchronize: false })
// UNIQUE (user_id, platform, coalesce(account_id, '')), migration 1764001300000.
@Index('uq_connections_user_account', { synchronize: false })
// Trigram indexes of the admin account/username substring filter (migration 1764001200000).
@Index('ix_connections_account_trgm', { synchronize: false })
@Index('ix_connections_username_trgm', { synchronize: false })
// (platform, greatest(next_refresh_at, refresh_lease_expires_at)) WHERE status = 'active': the scheduler's claim (migration 1764001500000).
@Index('ix_connections_next_refresh', { synchronize: false })
export class Connection {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ type: 'varchar', length: 64 })
  platform!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 255, nullable: true })
  accountId!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  username!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: ConnectionStatus;

  /** Set by the user to tell their accounts apart. */
  @Column({ type: 'varchar', length: 80, nullable: true })
  label!: string | null;

  /** The granted scopes. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  scopes!: string[];

  @Column({ name: 'scopes_source', type: 'varchar', length: 16, default: 'token' })
  scopesSource!: ScopesSource;

  /** The scopes the last authorization asked for. */
  @Column({ name: 'requested_scopes', type: 'text', array: true, default: () => "'{}'" })
  requestedScopes!: string[];

  @Column({ name: 'access_token', type: 'text', transformer: encryptedColumn })
  accessToken!: Secret;

  @Column({ name: 'refresh_token', type: 'text', nullable: true, transformer: encryptedColumn })
  refreshToken!: Secret | null;

  @Column({ name: 'access_token_expires_at', type: 'timestamptz', nullable: true })
  accessTokenExpiresAt!: Date | null;

  @Column({ name: 'refresh_token_expires_at', type: 'timestamptz', nullable: true })
  refreshTokenExpiresAt!: Date | null;

  /** When the current access token was issued (Instagram refreshes only tokens older than 24 h). */
  @Column({ name: 'access_token_issued_at', type: 'timestamptz', nullable: true })
  accessTokenIssuedAt!: Date | null;

  /** Which connection.expiring warning was sent (0 none, 1 at EXPIRY_WARNING, 2 one day before) for the end date below. */
  @Column({ name: 'expiry_warned', type: 'smallint', default: 0 })
  expiryWarned!: number;

  @Column({ name: 'expiry_warned_until', type: 'timestamptz', nullable: true })
  expiryWarnedUntil!: Date | null;

  /** SHA-256 (hex) of the access token the last token write replaced: a job may still report it as rejected. */
  @Column({ name: 'previous_access_token_hash', type: 'char', length: 64, nullable: true })
  previousAccessTokenHash!: string | null;

  /** Bumped on every token write; writers update only the version they read. */
  @Column({ name: 'token_version', type: 'integer', default: 1 })
  tokenVersion!: number;

  @Column({ name: 'last_refreshed_at', type: 'timestamptz', nullable: true })
  lastRefreshedAt!: Date | null;

  /** Failure class of the last failed refresh (cleared on success). */
  @Column({ name: 'last_refresh_error', type: 'varchar', length: 32, nullable: true })
  lastRefreshError!: string | null;

  @Column({ name: 'last_refresh_error_code', type: 'varchar', length: 64, nullable: true })
  lastRefreshErrorCode!: string | null;

  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures!: number;

  @Column({ name: 'next_retry_at', type: 'timestamptz', nullable: true })
  nextRetryAt!: Date | null;

  /**
   * When the scheduler is to refresh it (src/connections/refresh-due.ts): written by the database
   * (trigger tr_connections_next_refresh_at) on every write of an input of the rule, never by the app.
   */
  @Column({ name: 'next_refresh_at', type: 'timestamptz', nullable: true })
  nextRefreshAt!: Date | null;

  /** When a refresh last failed at the provider: an expired token's is retried on demand at most every REFRESH_RETRY_FLOOR. */
  @Column({ name: 'refresh_attempted_at', type: 'timestamptz', nullable: true })
  refreshAttemptedAt!: Date | null;

  @Column({ name: 'refresh_lease_owner', type: 'varchar', length: 80, nullable: true, select: false })
  refreshLeaseOwner!: string | null;

  @Column({ name: 'refresh_lease_expires_at', type: 'timestamptz', nullable: true, select: false })
  refreshLeaseExpiresAt!: Date | null;

  /** The last time the user authorised it (a reconnect in place sets it again). */
  @CreateDateColumn({ name: 'connected_at', type: 'timestamptz' })
  connectedAt!: Date;

  @Column({ name: 'reconnected_at', type: 'timestamptz', nullable: true })
  reconnectedAt!: Date | null;

  @Column({ name: 'reconnect_count', type: 'integer', default: 0 })
  reconnectCount!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
