import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** A hosted connect link (POST /connect-sessions): single use, 30 minutes, stored by its token's hash. */
@Entity({ name: 'connect_sessions' })
@Unique('uq_connect_sessions_token_hash', ['tokenHash'])
@Index('ix_connect_sessions_expires', ['expiresAt'])
export class ConnectSession {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** SHA-256 (hex) of the token (auth-core hashOneTimeToken); the token itself is only in the link. */
  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  /** The platforms the page offers (resolved when the session is created). */
  @Column({ type: 'text', array: true })
  platforms!: string[];

  /** A reconnect link: the provider must return this connection's account. */
  @Column({ name: 'connection_id', type: 'uuid', nullable: true })
  connectionId!: string | null;

  /** Extra scopes on top of the platform's. */
  @Column({ type: 'text', array: true, nullable: true })
  scopes!: string[] | null;

  @Column({ name: 'return_url', type: 'text' })
  returnUrl!: string;

  /** The service (its JWT's sub) that created it. */
  @Column({ name: 'created_by', type: 'varchar', length: 255 })
  createdBy!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** When the user chose a platform: the link is spent. */
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'used_platform', type: 'varchar', length: 64, nullable: true })
  usedPlatform!: string | null;

  /** The page ran in a popup (window.opener): the result is posted to the opener rather than redirected to. */
  @Column({ type: 'boolean', default: false })
  popup!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
