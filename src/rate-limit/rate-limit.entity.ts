import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One fixed-window counter (migration 1764000410000). Rows past `resetAt` are deleted by RateLimitService. */
@Entity({ name: 'rate_limits' })
@Index('ix_rate_limits_reset', ['resetAt'])
export class RateLimitCounter {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  bucket!: string;

  /** SHA-256 (hex) of the limited subject. */
  @PrimaryColumn({ name: 'key_hash', type: 'char', length: 64 })
  keyHash!: string;

  @Column({ type: 'integer' })
  hits!: number;

  @Column({ name: 'reset_at', type: 'timestamptz' })
  resetAt!: Date;
}
