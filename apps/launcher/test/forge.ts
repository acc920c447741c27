import { importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { decryptPrivateKey, deriveEncryptionKey } from '@agentidp/auth';
import type { Env } from '@agentidp/shared';
import type { RunningStack } from '../src/stack';

/**
 * Signs arbitrary claims with the stack's REAL current signing key (read from auth's table and
 * decrypted with the test's KEY_ENCRYPTION_KEY). Lets a test prove that it is the claim check
 * (exp, iss, aud) that rejects a token, not a bad signature.
 */
export async function forgeAccessToken(stack: RunningStack, env: Env, claims: JWTPayload): Promise<string> {
  const pool = stack.services.auth?.pool;
  if (!pool) throw new Error('auth is not running');
  const { rows } = await pool.query<{ kid: string; alg: string; private_key_enc: string }>(
    `SELECT kid, alg, private_key_enc FROM auth.signing_keys WHERE status = 'current'`,
  );
  const row = rows[0];
  if (!row) throw new Error('no current signing key');
  const key = deriveEncryptionKey(Buffer.from(env.KEY_ENCRYPTION_KEY ?? '', 'base64'));
  const jwk = JSON.parse(decryptPrivateKey(key, row.kid, row.private_key_enc)) as JWK;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: row.alg, kid: row.kid, typ: 'at+jwt' })
    .sign(await importJWK(jwk, row.alg));
}
