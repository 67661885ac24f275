import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A receiver URL that answered 410 Gone: no instance delivers to it until an admin re-enables it (migration 1764001000000). */
@Entity({ name: 'webhook_endpoint_state' })
export class WebhookEndpointState {
  /** SHA-256 (hex) of WEBHOOK_URL, which may carry credentials. */
  @PrimaryColumn({ name: 'url_hash', type: 'char', length: 64 })
  urlHash!: string;

  @Column({ name: 'disabled_at', type: 'timestamptz' })
  disabledAt!: Date;

  @Column({ type: 'varchar', length: 300 })
  reason!: string;
}
