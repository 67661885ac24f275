import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export type DemoTokenKind = 'code' | 'access' | 'refresh';

/** One authorization code, access token or refresh token of the development demo provider, by its SHA-256. */
@Entity({ name: 'demo_provider_tokens' })
@Check('demo_provider_tokens_kind_check', "kind IN ('code', 'access', 'refresh')")
@Index('ix_demo_provider_tokens_owner', ['subject', 'clientId'])
@Index('ix_demo_provider_tokens_expires', ['expiresAt'])
export class DemoProviderToken {
  @PrimaryColumn({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: DemoTokenKind;

  @Column({ name: 'client_id', type: 'varchar', length: 255 })
  clientId!: string;

  @Column({ type: 'varchar', length: 255 })
  subject!: string;

  @Column({ type: 'text', array: true })
  scopes!: string[];

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** Refresh tokens: when it was rotated; presenting it again revokes the grant. */
  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;

  /** Authorization codes: where the code may be redeemed, and its PKCE challenge. */
  @Column({ name: 'redirect_uri', type: 'text', nullable: true })
  redirectUri!: string | null;

  @Column({ name: 'code_challenge', type: 'varchar', length: 128, nullable: true })
  codeChallenge!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
