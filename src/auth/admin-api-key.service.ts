import { Injectable } from '@nestjs/common';
import { generateApiToken, hashApiToken, verifyApiToken } from '@ttoss/auth-core';
import { AdminApiKeyRepository } from './admin-api-key.repository.js';

const PREFIX = 'oca';
/** What an admin API key looks like: `oca_` and 64 hex characters (generateApiToken). */
export const ADMIN_API_KEY_PATTERN = /^oca_[0-9a-f]{64}$/;

/**
 * Admin API keys: the credential for scripts and Prometheus. Random, stored hashed, shown once;
 * unlike a session JWT it cannot be minted from SESSION_JWT_SECRET, and it ends with its admin.
 */
@Injectable()
export class AdminApiKeyService {
  constructor(private readonly keys: AdminApiKeyRepository) {}

  async issue(adminId: string): Promise<{ key: string; displayPrefix: string }> {
    const { token, tokenHash, displayPrefix } = generateApiToken({ prefix: PREFIX });
    await this.keys.insert({ adminId, tokenHash, displayPrefix });
    return { key: token, displayPrefix };
  }

  /** The admin behind a key, or null for an unknown (or deleted admin's) key. */
  async verify(key: string): Promise<{ adminId: string; email: string } | null> {
    if (!ADMIN_API_KEY_PATTERN.test(key)) return null;
    const owner = await this.keys.findOwner(hashApiToken(key));
    if (!owner || !verifyApiToken({ token: key, tokenHash: owner.tokenHash })) return null;
    return { adminId: owner.adminId, email: owner.email };
  }
}
