import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Secrets a service must read back in clear (private signing keys, webhook signing secrets) are
 * stored sealed: AES-256-GCM under a key derived from a configured master secret, with the row's
 * id as additional authenticated data, so a ciphertext moved to another row (or a row whose id was
 * edited) fails to open instead of loading.
 *
 * Stored as `v1.<iv>.<tag>.<ciphertext>` (base64url): the version leaves room for another
 * scheme (e.g. a KMS-wrapped key) without guessing from the bytes.
 */
const VERSION = 'v1';
const IV_BYTES = 12; // the GCM nonce size NIST SP 800-38D recommends
const TAG_BYTES = 16;

/**
 * One AES-256 key from a master secret of any length ≥ 32 bytes, tied by HKDF to one `purpose`
 * (e.g. `agentidp auth signing-key encryption v1`): the same secret reused for another purpose
 * yields another key.
 */
export function deriveSealingKey(masterSecret: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterSecret, Buffer.alloc(0), Buffer.from(purpose), 32));
}

/** Seals `plaintext` for storage in the row named `rowId`. */
export function seal(key: Buffer, rowId: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(rowId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** Why {@link unseal} could not return the plaintext. */
export type UnsealFailure = 'unknown_format' | 'not_authentic';

/**
 * Opens what {@link seal} stored. A wrong key, an altered row or another row id all fail GCM
 * authentication (`not_authentic`): the caller reports that as its own configuration error,
 * never with key material, and never gets garbage.
 */
export function unseal(
  key: Buffer,
  rowId: string,
  envelope: string,
): { plaintext: string } | { failure: UnsealFailure } {
  const [version, iv, tag, ciphertext, ...rest] = envelope.split('.');
  if (
    version !== VERSION ||
    iv === undefined ||
    tag === undefined ||
    ciphertext === undefined ||
    rest.length
  ) {
    return { failure: 'unknown_format' };
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(rowId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plaintext = Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]);
    return { plaintext: plaintext.toString('utf8') };
  } catch {
    return { failure: 'not_authentic' };
  }
}
