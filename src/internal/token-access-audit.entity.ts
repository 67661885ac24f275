import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One internal-token read (migration 1764000200000): which service read whose token, when. */
@Entity({ name: 'token_access_audit' })
// Newest first: (accessed_at DESC, id DESC) in the migration; the sort order is not compared.
@Index('ix_token_access_audit_time', ['accessedAt', 'id'])
// The admin list filtered by user, service or platform (migration 1764001200000), newest first.
@Index('ix_token_access_audit_user_time', ['userId', 'accessedAt', 'id'])
@Index('ix_token_access_audit_service_time', ['service', 'accessedAt', 'id'])
@Index('ix_token_access_audit_platform_time', ['platform', 'accessedAt', 'id'])
export class TokenAccessAudit {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar', length: 255 })
  service!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ type: 'varchar', length: 64 })
  platform!: string;

  /** Set by the writer (the read's time, not the batch's). */
  @Column({ name: 'accessed_at', type: 'timestamptz' })
  accessedAt!: Date;
}
