import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One running (or once running) instance of the service (migration 1764001100000): it beats every
 * second, so a refresh lease whose owner's instance stopped beating is free at once instead of
 * after its 30 s expiry. Rows of long-dead instances are deleted by retention.
 */
@Entity({ name: 'instance_heartbeats' })
@Index('ix_instance_heartbeats_beat', ['beatAt'])
export class InstanceHeartbeat {
  @PrimaryColumn({ name: 'instance_id', type: 'varchar', length: 32 })
  instanceId!: string;

  /** Host name and process id, for operators reading the table. */
  @Column({ type: 'varchar', length: 255 })
  process!: string;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt!: Date;

  @Column({ name: 'beat_at', type: 'timestamptz', default: () => 'now()' })
  beatAt!: Date;
}
