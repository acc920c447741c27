import { ConfigError } from '@agentidp/shared/config';
import { deriveSealingKey, seal, unseal } from '@agentidp/shared/identity';

/**
 * Private signing keys at rest: sealed (AES-256-GCM, the key's `kid` as additional authenticated
 * data) under a key derived from KEY_ENCRYPTION_KEY for this one purpose.
 */
const PURPOSE = 'agentidp auth signing-key encryption v1';

export function deriveEncryptionKey(keyEncryptionKey: Buffer): Buffer {
  return deriveSealingKey(keyEncryptionKey, PURPOSE);
}

/** Encrypts a private key (its JWK as JSON) for storage in the row of `kid`. */
export function encryptPrivateKey(encryptionKey: Buffer, kid: string, plaintext: string): string {
  return seal(encryptionKey, kid, plaintext);
}

/**
 * Decrypts what {@link encryptPrivateKey} stored. A wrong KEY_ENCRYPTION_KEY, an altered row or a
 * mismatched kid is a configuration error, reported in one line without any key material.
 */
export function decryptPrivateKey(encryptionKey: Buffer, kid: string, envelope: string): string {
  const opened = unseal(encryptionKey, kid, envelope);
  if ('plaintext' in opened) return opened.plaintext;
  if (opened.failure === 'unknown_format') {
    throw new ConfigError(`signing key ${kid}: stored private key has an unknown format`);
  }
  throw new ConfigError(
    `KEY_ENCRYPTION_KEY: cannot decrypt signing key ${kid} (a different key than the one it was stored with, or the row was altered)`,
  );
}
