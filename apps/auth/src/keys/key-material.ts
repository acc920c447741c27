import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import type { SigningAlg } from '../config';

/** A public signing key as published in the JWKS (RFC 7517 §4, RFC 7518 §6). */
export interface PublicJwk {
  kty: 'EC' | 'RSA';
  kid: string;
  alg: SigningAlg;
  use: 'sig';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

export interface GeneratedSigningKey {
  kid: string;
  alg: SigningAlg;
  publicJwk: PublicJwk;
  /** The private JWK as JSON: encrypt it before it leaves this process's memory. */
  privateJwkJson: string;
}

/**
 * A new key pair for `alg`. The kid is the RFC 7638 thumbprint of the public key: stable, unique
 * per key, and checkable by anyone who has the key.
 */
export async function generateSigningKey(alg: SigningAlg): Promise<GeneratedSigningKey> {
  // extractable: the private key must be exported once to be stored (encrypted).
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const exportedPublic = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exportedPublic, 'sha256');
  const publicJwk = toPublicJwk({ ...exportedPublic, kid, alg });
  if (!publicJwk) throw new Error(`generated ${alg} key has an unexpected shape`);
  return { kid, alg, publicJwk, privateJwkJson: JSON.stringify(await exportJWK(privateKey)) };
}

/**
 * Rebuilds a public JWK from stored JSON with only the members a public key has: whatever was
 * stored, a private member (`d`, `p`, `q`, …) can never reach the JWKS. Undefined when the value
 * is not a key this service made.
 */
export function toPublicJwk(value: unknown): PublicJwk | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const jwk = value as Record<string, unknown>;
  const str = (name: string): string | undefined => {
    const member = jwk[name];
    return typeof member === 'string' && member !== '' ? member : undefined;
  };
  const kid = str('kid');
  const alg = str('alg');
  if (!kid) return undefined;
  if (jwk.kty === 'EC' && alg === 'ES256') {
    const crv = str('crv');
    const x = str('x');
    const y = str('y');
    if (crv !== 'P-256' || !x || !y) return undefined;
    return { kty: 'EC', kid, alg, use: 'sig', crv, x, y };
  }
  if (jwk.kty === 'RSA' && alg === 'RS256') {
    const n = str('n');
    const e = str('e');
    if (!n || !e) return undefined;
    return { kty: 'RSA', kid, alg, use: 'sig', n, e };
  }
  return undefined;
}

/**
 * Imports a decrypted private JWK for signing, after checking it is the private half of `kid`
 * (its thumbprint), so a mix-up of rows can never sign under the wrong kid.
 */
export async function importPrivateKey(
  kid: string,
  alg: SigningAlg,
  privateJwkJson: string,
): Promise<KeyLike> {
  const jwk = JSON.parse(privateJwkJson) as JWK;
  if (typeof jwk.d !== 'string' || (await calculateJwkThumbprint(jwk, 'sha256')) !== kid) {
    throw new Error(`signing key ${kid}: stored private key does not match its kid`);
  }
  const key = await importJWK(jwk, alg);
  if (key instanceof Uint8Array) throw new Error(`signing key ${kid}: not an asymmetric key`);
  return key;
}
