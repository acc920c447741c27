import { calculateJwkThumbprint, CompactSign, compactVerify, importJWK } from 'jose';
import { generateSigningKey, importPrivateKey, toPublicJwk } from './key-material';

describe('signing key material', () => {
  it.each(['ES256', 'RS256'] as const)(
    '%s: kid is the RFC 7638 thumbprint; the public JWK has no private member',
    async (alg) => {
      const key = await generateSigningKey(alg);
      expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'));
      expect(key.publicJwk).toMatchObject({ kid: key.kid, alg, use: 'sig' });
      expect(Object.keys(key.publicJwk).sort()).toEqual(
        alg === 'ES256'
          ? ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']
          : ['alg', 'e', 'kid', 'kty', 'n', 'use'],
      );

      // The private half signs what the public half verifies.
      const privateKey = await importPrivateKey(key.kid, alg, key.privateJwkJson);
      const jws = await new CompactSign(new TextEncoder().encode('hello'))
        .setProtectedHeader({ alg })
        .sign(privateKey);
      await expect(compactVerify(jws, await importJWK(key.publicJwk, alg))).resolves.toBeDefined();
    },
  );

  it('never republishes a private member, whatever was stored', () => {
    const stored = {
      kty: 'EC',
      crv: 'P-256',
      x: 'x',
      y: 'y',
      d: 'secret',
      kid: 'k',
      alg: 'ES256',
      use: 'enc',
    };
    expect(toPublicJwk(stored)).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: 'x',
      y: 'y',
      kid: 'k',
      alg: 'ES256',
      use: 'sig',
    });
    const rsa = {
      kty: 'RSA',
      n: 'n',
      e: 'AQAB',
      d: 'd',
      p: 'p',
      q: 'q',
      dp: 'dp',
      dq: 'dq',
      qi: 'qi',
      kid: 'k',
      alg: 'RS256',
    };
    expect(toPublicJwk(rsa)).toEqual({ kty: 'RSA', n: 'n', e: 'AQAB', kid: 'k', alg: 'RS256', use: 'sig' });
  });

  it('rejects stored keys it did not make', () => {
    expect(toPublicJwk(null)).toBeUndefined();
    expect(toPublicJwk({ kty: 'oct', k: 'abc', kid: 'k', alg: 'HS256' })).toBeUndefined();
    expect(toPublicJwk({ kty: 'EC', crv: 'P-384', x: 'x', y: 'y', kid: 'k', alg: 'ES256' })).toBeUndefined();
    expect(toPublicJwk({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', alg: 'ES256' })).toBeUndefined();
  });

  it('refuses a private key that is not the one of its kid', async () => {
    const a = await generateSigningKey('ES256');
    const b = await generateSigningKey('ES256');
    await expect(importPrivateKey(a.kid, 'ES256', b.privateJwkJson)).rejects.toThrow(
      /does not match its kid/,
    );
    await expect(importPrivateKey(a.kid, 'ES256', JSON.stringify(a.publicJwk))).rejects.toThrow(
      /does not match its kid/,
    );
  });
});
