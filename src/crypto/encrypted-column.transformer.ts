import type { ValueTransformer } from 'typeorm';
import type { KeyRing } from './key-ring.js';
import { Secret } from './secret.js';

/**
 * TypeORM column decorators are evaluated at import time, before the app exists, so the
 * transformer reads the key ring that CryptoModule installs at boot (never the environment).
 */
const installed: KeyRing[] = [];

/** Installed at boot. The most recently installed ring is active (tests may run several apps in one process). */
export function installKeyRing(ring: KeyRing): void {
  installed.push(ring);
}

export function uninstallKeyRing(ring: KeyRing): void {
  const index = installed.lastIndexOf(ring);
  if (index >= 0) installed.splice(index, 1);
}

function ring(): KeyRing {
  const active = installed[installed.length - 1];
  if (!active) throw new Error('Key ring not installed: CryptoModule must be initialised before the database is used');
  return active;
}

/** Columns typed `Secret | null`: encrypted on write, decrypted lazily on `reveal()`. */
export const encryptedColumn: ValueTransformer = {
  to(value: Secret | string | null | undefined): string | null | undefined {
    if (value === null || value === undefined) return value;
    // Unchanged values keep their ciphertext; key rotation re-encrypts explicitly.
    if (value instanceof Secret && value.stored !== undefined) return value.stored;
    return ring().encrypt(value instanceof Secret ? value.reveal() : value);
  },
  from(value: string | null | undefined): Secret | null | undefined {
    if (value === null || value === undefined) return value;
    return Secret.fromStored(value, ring());
  },
};
