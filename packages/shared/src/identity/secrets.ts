import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { isSafeText } from '../schema';

/**
 * Client secrets: 256 random bits, prefixed so a leaked one is recognisable (secret scanners),
 * with a CRC32 checksum so a scanner can tell a real one from a look-alike without asking us.
 * Stored only as HMAC-SHA-256 under a server pepper: a database leak alone does not allow an
 * offline guess, and a fast keyed hash is the right tool for high-entropy secrets (NIST SP
 * 800-63B §5.1.2.2) — bcrypt would cost milliseconds per token request for no gain.
 *
 * Format: `agidp_sk_` + 43 base62 chars (256 bits) + 6 base62 chars of CRC32.
 */
export const CLIENT_SECRET_PREFIX = 'agidp_sk_';
/** Public client identifiers are prefixed too (they are not secret, but easy to tell apart). */
export const CLIENT_ID_PREFIX = 'agidp_';
/**
 * The longest client id anyone may present. Ours are 28 characters ({@link generateClientId});
 * the bound leaves room for a longer format while letting every layer (the gateway's rate-limit
 * key, auth, the registry's lookup) refuse an absurd value unread, all at the same length.
 */
export const MAX_CLIENT_ID_LENGTH = 128;
/** The longest client secret anyone may present (ours are 58 characters). */
export const MAX_CLIENT_SECRET_LENGTH = 512;

/**
 * Why presented client credentials cannot be anybody's (too long, U+0000 or an unpaired
 * surrogate), or undefined when they could be. The gateway and auth refuse such credentials as a
 * failed client authentication without a lookup, which they could only fail. No client id at all
 * is left to auth, which first tells an unsupported grant type apart.
 */
export function malformedClientCredentials(clientId: string, clientSecret: string): string | undefined {
  if (clientId.length > MAX_CLIENT_ID_LENGTH || clientSecret.length > MAX_CLIENT_SECRET_LENGTH)
    return 'credentials too long';
  if (!isSafeText(clientId) || !isSafeText(clientSecret))
    return 'U+0000 or an unpaired surrogate in the credentials';
  return undefined;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_BODY_LENGTH = 43; // ceil(256 / log2(62))
const CHECKSUM_LENGTH = 6; // ceil(32 / log2(62))
const SECRET_PATTERN = new RegExp(
  `^${CLIENT_SECRET_PREFIX}[0-9A-Za-z]{${SECRET_BODY_LENGTH}}[0-9A-Za-z]{${CHECKSUM_LENGTH}}$`,
);

function toBase62(value: bigint, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = BASE62[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out;
}

function checksum(body: string): string {
  return toBase62(BigInt(crc32(body)), CHECKSUM_LENGTH);
}

/** A new client secret. Shown to the caller once, never stored in clear. */
export function generateClientSecret(): string {
  const body = toBase62(BigInt(`0x${randomBytes(32).toString('hex')}`), SECRET_BODY_LENGTH);
  return `${CLIENT_SECRET_PREFIX}${body}${checksum(body)}`;
}

/** A new public client identifier (128 random bits). */
export function generateClientId(): string {
  return `${CLIENT_ID_PREFIX}${toBase62(BigInt(`0x${randomBytes(16).toString('hex')}`), 22)}`;
}

/** Whether a string has the shape and checksum of one of our secrets (no lookup). */
export function looksLikeClientSecret(value: string): boolean {
  if (!SECRET_PATTERN.test(value)) return false;
  const body = value.slice(CLIENT_SECRET_PREFIX.length, CLIENT_SECRET_PREFIX.length + SECRET_BODY_LENGTH);
  return value.endsWith(checksum(body));
}

/** HMAC-SHA-256 of a secret under the pepper; what the database stores (hex). */
export function hashClientSecret(pepper: string, secret: string): string {
  return createHmac('sha256', pepper).update(secret).digest('hex');
}

/** Constant-time check of a presented secret against a stored hash. */
export function verifyClientSecret(pepper: string, secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashClientSecret(pepper, secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
