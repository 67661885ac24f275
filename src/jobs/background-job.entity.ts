import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One background job (migration 1764000900000): who runs it now (a lease, so one instance at a
 * time), when it last finished (so it runs at most every so often across instances) and what it
 * found, for every instance to read (the shared counts of the admin summary and the gauges).
 */
@Entity({ name: 'background_jobs' })
export class BackgroundJob {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'lease_owner', type: 'varchar', length: 80, nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  result!: unknown;
}
