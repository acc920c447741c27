import { REVOCATION_PREFIX, REVOCATION_PUBLISHERS, revocationReadyKey } from '@agentidp/shared/identity';
import { MemoryStore, type KeyValueStore } from '@agentidp/shared/store';
import type { AuthenticatedClient } from './client-authenticator';
import { VerifiedClientCache } from './verified-client-cache';

const SECRET = 'agidp_sk_the-secret';
const client: AuthenticatedClient = {
  valid: true,
  clientId: 'agidp_c1',
  credentialId: 'cred-1',
  agentId: 'agent-1',
  organizationId: 'org-1',
  scopes: ['documents:read'],
  agentType: 'screener',
  did: 'did:web:idp.example.test:agents:agent-1',
};

describe(VerifiedClientCache.name, () => {
  let store: MemoryStore;
  let now: number;
  let cache: VerifiedClientCache;

  beforeEach(async () => {
    store = new MemoryStore();
    for (const publisher of REVOCATION_PUBLISHERS) await store.set(revocationReadyKey(publisher), 'ready:1');
    now = 1_000_000;
    cache = new VerifiedClientCache(store, 5_000, () => now);
  });

  it('answers the exact secret the registry accepted, within the TTL', async () => {
    cache.remember(SECRET, client, now);
    now += 4_999;
    await expect(cache.lookup('agidp_c1', SECRET)).resolves.toEqual(client);
  });

  it('misses for another secret, another client id, and after the TTL', async () => {
    cache.remember(SECRET, client, now);
    await expect(cache.lookup('agidp_c1', `${SECRET}x`)).resolves.toBeUndefined();
    await expect(cache.lookup('agidp_c2', SECRET)).resolves.toBeUndefined();
    now += 5_000;
    await expect(cache.lookup('agidp_c1', SECRET)).resolves.toBeUndefined();
  });

  it('misses once the credential has reached its end (expiry, end of a rotation grace)', async () => {
    cache.remember(SECRET, { ...client, validUntil: now + 1_000 }, now);
    await expect(cache.lookup('agidp_c1', SECRET)).resolves.toEqual(
      expect.objectContaining({ clientId: 'agidp_c1' }),
    );
    now += 1_000;
    await expect(cache.lookup('agidp_c1', SECRET)).resolves.toBeUndefined();
  });

  it('misses at once when the credential is revoked or rotated (rev:client)', async () => {
    cache.remember(SECRET, client, now);
    await store.set(`${REVOCATION_PREFIX.client}agidp_c1`, String(now + 10));
    await expect(cache.lookup('agidp_c1', SECRET)).resolves.toEqual(client); // grace not over yet
    now += 10;
    await expect(cache.lookup('agidp_c1', SECRET)).resolves.toBeUndefined();
  });

  it('misses when the agent was suspended after the secret was verified, not for an older suspension', async () => {
    await store.set(`${REVOCATION_PREFIX.agent}agent-1`, String(now - 1)); // suspended, then reactivated
    cache.remember(SECRET, client, now);
    await expect(cache.lookup('agidp_c1', SECRET)).resolves.toEqual(client);
    await store.set(`${REVOCATION_PREFIX.agent}agent-1`, String(now + 1));
    await expect(cache.lookup('agidp_c1', SECRET)).resolves.toBeUndefined();
  });

  it('misses when the store lost its revocations (a publisher sentinel is missing)', async () => {
    cache.remember(SECRET, client, now);
    await store.del(revocationReadyKey('registry'));
    await expect(cache.lookup('agidp_c1', SECRET)).resolves.toBeUndefined();
  });

  it('misses when the store cannot answer (the registry decides instead)', async () => {
    const failing = {
      mget: async () => {
        throw new Error('store down');
      },
    } as unknown as KeyValueStore;
    const offline = new VerifiedClientCache(failing, 5_000, () => now);
    offline.remember(SECRET, client, now);
    await expect(offline.lookup('agidp_c1', SECRET)).resolves.toBeUndefined();
  });

  it('remembers nothing with a TTL of 0', async () => {
    const off = new VerifiedClientCache(store, 0, () => now);
    off.remember(SECRET, client, now);
    await expect(off.lookup('agidp_c1', SECRET)).resolves.toBeUndefined();
  });
});
