import { importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { decryptPrivateKey, deriveEncryptionKey } from '@agentidp/auth';
import type { Pool } from '@agentidp/shared/db';

/**
 * Signs arbitrary claims with the stack's REAL current signing key (read from auth's table through
 * `db` and decrypted with the stack's KEY_ENCRYPTION_KEY). Lets a test prove that it is the claim
 * check (exp, iss, aud) that rejects a token, not a bad signature.
 */
export async function forgeAccessToken(
  db: Pick<Pool, 'query'>,
  keyEncryptionKey: string,
  claims: JWTPayload,
): Promise<string> {
  const { rows } = await db.query<{ kid: string; alg: string; private_key_enc: string }>(
    `SELECT kid, alg, private_key_enc FROM auth.signing_keys WHERE status = 'current'`,
  );
  const row = rows[0];
  if (!row) throw new Error('no current signing key');
  const key = deriveEncryptionKey(Buffer.from(keyEncryptionKey, 'base64'));
  const jwk = JSON.parse(decryptPrivateKey(key, row.kid, row.private_key_enc)) as JWK;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: row.alg, kid: row.kid, typ: 'at+jwt' })
    .sign(await importJWK(jwk, row.alg));
}
