import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ConfigError } from '@agentidp/shared/config';

/**
 * Envelope encryption of private signing keys at rest: AES-256-GCM under a key derived from
 * KEY_ENCRYPTION_KEY, with the key's `kid` as additional authenticated data, so a ciphertext
 * moved to another row (or a row whose kid was edited) fails to decrypt instead of loading.
 *
 * Stored as `v1.<iv>.<tag>.<ciphertext>` (base64url): the version leaves room for another
 * scheme (e.g. a KMS-wrapped key) without guessing from the bytes.
 */
const VERSION = 'v1';
const IV_BYTES = 12; // the GCM nonce size NIST SP 800-38D recommends
const TAG_BYTES = 16;

// KEY_ENCRYPTION_KEY may be longer than 32 bytes; HKDF turns any length into exactly one AES-256
// key and ties it to this one purpose, so the same secret reused elsewhere yields another key.
const HKDF_INFO = Buffer.from('agentidp auth signing-key encryption v1');

export function deriveEncryptionKey(keyEncryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', keyEncryptionKey, Buffer.alloc(0), HKDF_INFO, 32));
}

/** Encrypts a private key (its JWK as JSON) for storage in the row of `kid`. */
export function encryptPrivateKey(encryptionKey: Buffer, kid: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/**
 * Decrypts what {@link encryptPrivateKey} stored. A wrong KEY_ENCRYPTION_KEY, an altered row or a
 * mismatched kid all fail GCM authentication: that is a configuration error, reported in one line
 * without any key material, never a garbage key.
 */
export function decryptPrivateKey(encryptionKey: Buffer, kid: string, envelope: string): string {
  const [version, iv, tag, ciphertext, ...rest] = envelope.split('.');
  if (
    version !== VERSION ||
    iv === undefined ||
    tag === undefined ||
    ciphertext === undefined ||
    rest.length
  ) {
    throw new ConfigError(`signing key ${kid}: stored private key has an unknown format`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', encryptionKey, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new ConfigError(
      `KEY_ENCRYPTION_KEY: cannot decrypt signing key ${kid} (a different key than the one it was stored with, or the row was altered)`,
    );
  }
}
