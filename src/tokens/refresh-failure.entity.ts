import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Connection } from '../connections/connection.entity.js';
import type { RefreshTrigger } from './refresh-history.repository.js';

/** One failed refresh (migration 1764000200000), for the admin failure list. The connection may be gone since. */
@Entity({ name: 'refresh_failures' })
@Check('ck_refresh_failures_trigger', "trigger IN ('lazy', 'scheduled', 'admin')")
// The list is newest first: (occurred_at DESC, id DESC) in the migration; the sort order is not compared.
@Index('ix_refresh_failures_time', ['occurredAt', 'id'])
@Index('ix_refresh_failures_connection', ['connectionId', 'occurredAt'])
@Index('ix_refresh_failures_platform_time', ['platform', 'occurredAt', 'id'])
@Index('ix_refresh_failures_class_time', ['failureClass', 'occurredAt', 'id'])
export class RefreshFailure {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'connection_id', type: 'uuid', nullable: true })
  @ForeignKey(() => Connection, { name: 'refresh_failures_connection_id_fkey', onDelete: 'SET NULL' })
  connectionId!: string | null;

  @Column({ type: 'varchar', length: 64 })
  platform!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @CreateDateColumn({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'varchar', length: 16 })
  trigger!: RefreshTrigger;

  @Column({ name: 'failure_class', type: 'varchar', length: 32 })
  failureClass!: string;

  @Column({ name: 'provider_code', type: 'varchar', length: 64, nullable: true })
  providerCode!: string | null;

  @Column({ name: 'http_status', type: 'integer', nullable: true })
  httpStatus!: number | null;

  @Column({ type: 'varchar', length: 500 })
  message!: string;
}
