import { inspect } from 'node:util';
import { DecryptionError } from '../../src/crypto/crypto.exception.js';
import { KeyRing } from '../../src/crypto/key-ring.js';
import { Secret } from '../../src/crypto/secret.js';

const K1 = { kid: 'k1', key: '1'.repeat(64) };
const K2 = { kid: 'k2', key: '2'.repeat(64) };

describe('KeyRing', () => {
  it('stores v1:<kid>:<ciphertext> with the current key, never the plaintext', () => {
    const stored = new KeyRing([K1]).encrypt('ya29.secret-token');
    expect(stored).toMatch(/^v1:k1:[A-Za-z0-9+/=]+$/);
    expect(stored).not.toContain('secret-token');
    expect(new KeyRing([K1]).encrypt('same')).not.toBe(new KeyRing([K1]).encrypt('same'));
  });

  it('decrypts values of a retired key after rotation and encrypts with the new one', () => {
    const old = new KeyRing([K1]).encrypt('token-a');
    const rotated = new KeyRing([K2, K1]);
    expect(rotated.decrypt(old)).toBe('token-a');
    expect(rotated.needsReencryption(old)).toBe(true);
    const fresh = rotated.encrypt('token-b');
    expect(KeyRing.kidOf(fresh)).toBe('k2');
    expect(rotated.needsReencryption(fresh)).toBe(false);
  });

  it('fails with a typed error on an unknown key, a tampered value or a malformed value', () => {
    const ring = new KeyRing([K1]);
    const stored = ring.encrypt('token-a');
    expect(() => new KeyRing([K2]).decrypt(stored)).toThrow(expect.objectContaining({ name: 'DecryptionError', reason: 'unknown_key' }));
    const [prefix, kid, ct] = stored.split(':') as [string, string, string];
    const bytes = Buffer.from(ct, 'base64');
    bytes[bytes.length - 1] ^= 0xff;
    const tampered = `${prefix}:${kid}:${bytes.toString('base64')}`;
    expect(() => ring.decrypt(tampered)).toThrow(DecryptionError);
    expect(() => ring.decrypt(tampered)).toThrow(expect.objectContaining({ reason: 'authentication_failed' }));
    // A value from a different key that claims to be k1.
    const foreign = `v1:k1:${new KeyRing([{ kid: 'k1', key: '3'.repeat(64) }]).encrypt('x').split(':')[2]}`;
    expect(() => ring.decrypt(foreign)).toThrow(expect.objectContaining({ reason: 'authentication_failed' }));
    for (const bad of ['', 'plain-token', 'v2:k1:abc', 'v1:k1:']) {
      expect(() => ring.decrypt(bad)).toThrow(expect.objectContaining({ reason: 'malformed' }));
    }
    try {
      ring.decrypt(tampered);
    } catch (error) {
      expect((error as Error).message).not.toContain(ct);
    }
  });
});

describe('Secret', () => {
  it('never prints its value', () => {
    const s = Secret.fromPlaintext('super-secret-token');
    expect(JSON.stringify({ s })).toBe('{"s":"[REDACTED]"}');
    expect(`${s}`).toBe('[REDACTED]');
    expect(inspect({ s })).not.toContain('super-secret-token');
    expect(s.reveal()).toBe('super-secret-token');
  });

  it('decrypts lazily and raises DecryptionError only when revealed', () => {
    const ring = new KeyRing([K1]);
    const s = Secret.fromStored('v1:k1:garbage', ring);
    expect(s.stored).toBe('v1:k1:garbage');
    expect(() => s.reveal()).toThrow(DecryptionError);
    expect(Secret.fromStored(ring.encrypt('ok'), ring).reveal()).toBe('ok');
  });
});
