import { decryptValue, encryptValue } from '@ttoss/auth-core';
import { DecryptionError } from './crypto.exception.js';

export type KeyRingEntry = { kid: string; key: string };

const PREFIX = 'v1';

/**
 * Encrypts with the current (first) key and decrypts with whichever key a value names.
 * Stored format: `v1:<kid>:<auth-core ciphertext>`.
 */
export class KeyRing {
  private readonly keys: Map<string, string>;
  readonly currentKid: string;

  constructor(entries: KeyRingEntry[]) {
    if (entries.length === 0) throw new Error('KeyRing needs at least one key');
    this.keys = new Map(entries.map((e) => [e.kid, e.key]));
    this.currentKid = entries[0]!.kid;
  }

  get kids(): string[] {
    return [...this.keys.keys()];
  }

  encrypt(plaintext: string): string {
    return `${PREFIX}:${this.currentKid}:${encryptValue({ plaintext, key: this.keys.get(this.currentKid)! })}`;
  }

  /** The key id a stored value was encrypted with, or undefined when malformed. */
  static kidOf(stored: string): string | undefined {
    const parts = stored.split(':');
    return parts.length === 3 && parts[0] === PREFIX ? parts[1] : undefined;
  }

  decrypt(stored: string): string {
    const parts = stored.split(':');
    if (parts.length !== 3 || parts[0] !== PREFIX || !parts[2]) throw new DecryptionError('malformed');
    const [, kid, ciphertext] = parts as [string, string, string];
    const key = this.keys.get(kid);
    if (!key) throw new DecryptionError('unknown_key', kid);
    try {
      return decryptValue({ ciphertext, key });
    } catch {
      throw new DecryptionError('authentication_failed', kid);
    }
  }

  needsReencryption(stored: string): boolean {
    return KeyRing.kidOf(stored) !== this.currentKid;
  }
}
