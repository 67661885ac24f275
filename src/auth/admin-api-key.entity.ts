import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { AdminUser } from './admin-user.entity.js';

/** An admin API key for scripts (migration 1764000420000): only its SHA-256 and display prefix are stored. */
@Entity({ name: 'admin_api_keys' })
@Unique('uq_admin_api_keys_token', ['tokenHash'])
@Index('ix_admin_api_keys_admin', ['adminId'])
export class AdminApiKey {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'admin_id', type: 'uuid' })
  @ForeignKey(() => AdminUser, { name: 'admin_api_keys_admin_id_fkey', onDelete: 'CASCADE' })
  adminId!: string;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ name: 'display_prefix', type: 'varchar', length: 16 })
  displayPrefix!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
