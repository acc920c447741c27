import { exportJWK, generateKeyPair, SignJWT, jwtVerify, type JWK } from 'jose';
import type { AuthServiceClient } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { DomainError } from '@agentidp/shared/errors';
import { fakeClient, fakeUnary, unavailable } from '../testing';
import { KeySet } from './key-set';

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const sign = () => new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid }).setIssuedAt().sign(privateKey);
  return { jwk, sign };
}

/** An auth client stand-in whose GetJwks answers what the test has published so far. */
function fakeAuth(published: JWK[], fail = false) {
  const getJwks = fakeUnary(() => (fail ? unavailable() : { jwksJson: JSON.stringify({ keys: published }) }));
  return { client: fakeClient<AuthServiceClient>('auth', { getJwks }), calls: () => getJwks.calls.length };
}

describe('KeySet', () => {
  it('fetches once, then verifies from memory', async () => {
    const k1 = await keyPair('k1');
    const auth = fakeAuth([k1.jwk]);
    const keys = new KeySet(auth.client);
    await jwtVerify(await k1.sign(), keys.getKey);
    await jwtVerify(await k1.sign(), keys.getKey);
    expect(auth.calls()).toBe(1);
  });

  it('a token with an unknown kid triggers one refresh that picks up a new key', async () => {
    const k1 = await keyPair('k1');
    const k2 = await keyPair('k2');
    const published = [k1.jwk];
    const auth = fakeAuth(published);
    const keys = new KeySet(auth.client);
    await jwtVerify(await k1.sign(), keys.getKey);
    published.push(k2.jwk); // auth rotated
    await new Promise((r) => setTimeout(r, 1_050)); // past the refresh cooldown
    await jwtVerify(await k2.sign(), keys.getKey);
    expect(auth.calls()).toBe(2);
    expect((await keys.current()).keys.map((k) => k.kid)).toEqual(['k1', 'k2']);
  });

  it('random kids within the cooldown do not hammer auth', async () => {
    const k1 = await keyPair('k1');
    const stranger = await keyPair('nobody');
    const auth = fakeAuth([k1.jwk]);
    const keys = new KeySet(auth.client);
    await jwtVerify(await k1.sign(), keys.getKey);
    for (let i = 0; i < 5; i++) await expect(jwtVerify(await stranger.sign(), keys.getKey)).rejects.toThrow();
    expect(auth.calls()).toBe(1);
  });

  it('auth unreachable → service_unavailable (fail closed), not an invalid token', async () => {
    const keys = new KeySet(fakeAuth([], true).client);
    const k1 = await keyPair('k1');
    const error: unknown = await jwtVerify(await k1.sign(), keys.getKey).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('service_unavailable');
  });
});
