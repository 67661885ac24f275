import { inspect } from 'node:util';
import type { KeyRing } from './key-ring.js';

const REDACTED = '[REDACTED]';

/**
 * A credential held in memory. Decrypts lazily on `reveal()`, so loading a row never
 * pays for (or risks) decryption, and it prints as [REDACTED] in JSON, logs and inspect.
 */
export class Secret {
  #plain?: string;
  #stored?: string;
  #ring?: KeyRing;

  private constructor() {}

  static fromPlaintext(value: string): Secret {
    const s = new Secret();
    s.#plain = value;
    return s;
  }

  static fromStored(stored: string, ring: KeyRing): Secret {
    const s = new Secret();
    s.#stored = stored;
    s.#ring = ring;
    return s;
  }

  /** The plaintext. Throws DecryptionError for a value that cannot be decrypted. */
  reveal(): string {
    if (this.#plain === undefined) this.#plain = this.#ring!.decrypt(this.#stored!);
    return this.#plain;
  }

  /** The stored ciphertext when loaded from the database (for re-encryption checks). */
  get stored(): string | undefined {
    return this.#stored;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
