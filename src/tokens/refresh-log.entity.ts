import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Connection } from '../connections/connection.entity.js';
import type { RefreshTrigger } from './refresh-history.repository.js';

/** One refresh attempt (migration 1764000200000), for the admin charts and the admin refresh cooldown. */
@Entity({ name: 'refresh_log' })
@Index('ix_refresh_log_time', ['occurredAt'])
@Index('ix_refresh_log_connection', ['connectionId', 'occurredAt'])
export class RefreshLog {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'connection_id', type: 'uuid', nullable: true })
  @ForeignKey(() => Connection, { name: 'refresh_log_connection_id_fkey', onDelete: 'SET NULL' })
  connectionId!: string | null;

  @Column({ type: 'varchar', length: 64 })
  platform!: string;

  @CreateDateColumn({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'varchar', length: 16 })
  trigger!: RefreshTrigger;

  @Column({ type: 'varchar', length: 16 })
  outcome!: 'success' | 'failure';

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;
}
