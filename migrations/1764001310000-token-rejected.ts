import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A job may report an access token the provider refused (POST .../token-rejected): the service must
 * tell the current token from the one it replaced (answer the current one) and from a token that
 * was never this connection's (refuse). SHA-256 hex of the access token each token write replaced.
 */
export class TokenRejected1764001310000 implements MigrationInterface {
  name = 'TokenRejected1764001310000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE connections ADD COLUMN previous_access_token_hash char(64)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE connections DROP COLUMN previous_access_token_hash');
  }
}
