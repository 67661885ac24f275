import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEncryptionKey } from '@ttoss/auth-core';

export type DevSecrets = {
  TOKEN_ENCRYPTION_KEYS?: string;
  SESSION_JWT_SECRET?: string;
  SERVICE_JWT_SECRET?: string;
  /** The embedded database's password (src/database/embedded-postgres.ts); never an environment variable. */
  EMBEDDED_DB_PASSWORD?: string;
};

const FILE = 'secrets.json';

/**
 * Development only: returns the secrets kept under the data directory, generating
 * (and persisting, mode 0600) whichever of `wanted` is missing so restarts reuse them.
 */
export function loadOrCreateDevSecrets(dataDir: string, wanted: (keyof DevSecrets)[]): { secrets: DevSecrets; generated: string[] } {
  const path = join(dataDir, FILE);
  let secrets: DevSecrets = {};
  if (existsSync(path)) {
    try {
      secrets = JSON.parse(readFileSync(path, 'utf8')) as DevSecrets;
    } catch {
      throw new Error(`${path} is not valid JSON; delete it to let the service generate new development secrets`);
    }
  }
  const generated: string[] = [];
  for (const name of wanted) {
    if (secrets[name]) continue;
    secrets[name] = name === 'TOKEN_ENCRYPTION_KEYS' ? `dev1:${generateEncryptionKey()}` : randomBytes(48).toString('base64url');
    generated.push(name);
  }
  if (generated.length > 0) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  return { secrets, generated };
}
