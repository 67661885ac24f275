import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { AdminUser } from './admin-user.entity.js';

/**
 * A signed-in admin UI session (migration 1764000400000). The cookie carries a random id whose
 * SHA-256 is `tokenHash`; the CSRF token is another random value, stored as `csrfHash`.
 */
@Entity({ name: 'admin_sessions' })
@Unique('uq_admin_sessions_token', ['tokenHash'])
@Index('ix_admin_sessions_admin', ['adminId'])
@Index('ix_admin_sessions_expires', ['expiresAt'])
export class AdminSession {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'admin_id', type: 'uuid' })
  @ForeignKey(() => AdminUser, { name: 'admin_sessions_admin_id_fkey', onDelete: 'CASCADE' })
  adminId!: string;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ name: 'csrf_hash', type: 'char', length: 64 })
  csrfHash!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
