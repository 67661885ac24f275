import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Each connection's last sequence number; its row lock serialises changes to the connection's line
 * (migration 1764001000000). A row goes when its connection's connection.deleted event leaves the line.
 */
@Entity({ name: 'webhook_sequences' })
export class WebhookSequence {
  @PrimaryColumn({ name: 'connection_id', type: 'uuid' })
  connectionId!: string;

  @Column({ name: 'last_seq', type: 'bigint' })
  lastSeq!: string;
}
