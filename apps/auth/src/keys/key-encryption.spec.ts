import { ConfigError } from '@agentidp/shared/config';
import { decryptPrivateKey, deriveEncryptionKey, encryptPrivateKey } from './key-encryption';

describe('private key encryption', () => {
  const key = deriveEncryptionKey(Buffer.alloc(32, 9));
  const plaintext = JSON.stringify({ kty: 'EC', d: 'private-scalar' });

  it('round-trips, with a fresh nonce each time and nothing readable in the envelope', () => {
    const a = encryptPrivateKey(key, 'kid-1', plaintext);
    const b = encryptPrivateKey(key, 'kid-1', plaintext);
    expect(a).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('private-scalar');
    expect(decryptPrivateKey(key, 'kid-1', a)).toBe(plaintext);
  });

  it('derives one AES-256 key from a key encryption key of any length ≥ 32 bytes', () => {
    expect(deriveEncryptionKey(Buffer.alloc(48, 1))).toHaveLength(32);
    expect(deriveEncryptionKey(Buffer.alloc(32, 1)).equals(deriveEncryptionKey(Buffer.alloc(32, 2)))).toBe(
      false,
    );
  });

  it('fails with a one-line ConfigError, not garbage, under another key encryption key', () => {
    const envelope = encryptPrivateKey(key, 'kid-1', plaintext);
    const other = deriveEncryptionKey(Buffer.alloc(32, 8));
    expect(() => decryptPrivateKey(other, 'kid-1', envelope)).toThrow(ConfigError);
    expect(() => decryptPrivateKey(other, 'kid-1', envelope)).toThrow(
      /^KEY_ENCRYPTION_KEY: cannot decrypt signing key kid-1 /,
    );
  });

  it('binds the ciphertext to its kid and detects tampering', () => {
    const envelope = encryptPrivateKey(key, 'kid-1', plaintext);
    expect(() => decryptPrivateKey(key, 'kid-2', envelope)).toThrow(ConfigError);
    const [v, iv, tag, ct] = envelope.split('.') as [string, string, string, string];
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() =>
      decryptPrivateKey(key, 'kid-1', [v, iv, tag, flipped.toString('base64url')].join('.')),
    ).toThrow(ConfigError);
    expect(() => decryptPrivateKey(key, 'kid-1', 'v2.a.b.c')).toThrow(/unknown format/);
  });
});
