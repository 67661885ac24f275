/** A stored secret could not be decrypted. Never carries the value itself. */
export class DecryptionError extends Error {
  constructor(
    readonly reason: 'malformed' | 'unknown_key' | 'authentication_failed',
    readonly kid?: string,
  ) {
    super(
      reason === 'unknown_key'
        ? `Stored secret names key "${kid}", which is not in the key ring`
        : reason === 'malformed'
          ? 'Stored secret is not in the v1:<kid>:<ciphertext> format'
          : `Stored secret failed authentication under key "${kid}" (wrong key or tampered value)`,
    );
    this.name = 'DecryptionError';
  }
}
