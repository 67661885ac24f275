import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { encryptedColumn } from '../crypto/encrypted-column.transformer.js';
import type { Secret } from '../crypto/secret.js';

/** A pending authorization request: single use, short-lived, bound to one user and platform. */
@Entity({ name: 'oauth_states' })
@Unique('uq_oauth_states_hash', ['stateHash'])
@Index('ix_oauth_states_user', ['userId', 'expiresAt'])
@Index('ix_oauth_states_expires', ['expiresAt'])
export class OAuthState {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** SHA-256 (hex) of the state; the state itself only travels through the user's browser. */
  @Column({ name: 'state_hash', type: 'char', length: 64 })
  stateHash!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ type: 'varchar', length: 64 })
  platform!: string;

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri!: string;

  @Column({ name: 'code_verifier', type: 'text', nullable: true, transformer: encryptedColumn })
  codeVerifier!: Secret | null;

  /** The connection this authorization reconnects (its provider account must come back). */
  @Column({ name: 'connection_id', type: 'uuid', nullable: true })
  connectionId!: string | null;

  /** The scopes this authorization asks for (null: the platform's defaults). */
  @Column({ type: 'text', array: true, nullable: true })
  scopes!: string[] | null;

  /** The hosted connect session this authorization belongs to (src/connect-sessions); null for connect-url. */
  @Column({ name: 'connect_session_id', type: 'uuid', nullable: true })
  connectSessionId!: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
