import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One provider's circuit breaker, shared by every instance (migration 1764001100000): refresh
 * outcomes of the current and the previous 30 s window (a sliding-window estimate of the last
 * 30 s), and while open, when the next probe may go and which instance sends it.
 */
@Entity({ name: 'provider_breakers' })
@Check('ck_provider_breakers_state', "state IN ('closed', 'open')")
export class ProviderBreaker {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  platform!: string;

  @Column({ type: 'varchar', length: 8, default: 'closed' })
  state!: 'closed' | 'open';

  @Column({ name: 'window_started_at', type: 'timestamptz', default: () => 'now()' })
  windowStartedAt!: Date;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ type: 'integer', default: 0 })
  failures!: number;

  @Column({ name: 'previous_attempts', type: 'integer', default: 0 })
  previousAttempts!: number;

  @Column({ name: 'previous_failures', type: 'integer', default: 0 })
  previousFailures!: number;

  @Column({ name: 'opened_at', type: 'timestamptz', nullable: true })
  openedAt!: Date | null;

  @Column({ name: 'next_probe_at', type: 'timestamptz', nullable: true })
  nextProbeAt!: Date | null;

  @Column({ name: 'probe_owner', type: 'varchar', length: 80, nullable: true })
  probeOwner!: string | null;

  @Column({ name: 'probe_expires_at', type: 'timestamptz', nullable: true })
  probeExpiresAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
