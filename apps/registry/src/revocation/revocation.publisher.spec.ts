import { DomainError } from '@agentidp/shared/errors';
import { REVOCATION_PREFIX, revocationReadyKey } from '@agentidp/shared/identity';
import type { Logger } from '@agentidp/shared/runtime';
import { MemoryStore, type KeyValueStore } from '@agentidp/shared/store';
import type { RegistryConfig } from '../config';
import { RevocationPublisher, REWARM_BATCH } from './revocation.publisher';
import type { RevocationPage, RevocationRepository, RevocationRow } from './revocation.repository';

const TTL_SECONDS = 600;
const KEY_TTL_MS = TTL_SECONDS * 1000 + 60_000;
const NOW = Date.parse('2026-11-23T12:00:00.000Z');

/** A repository over in-memory rows that honours the keyset paging the SQL does. */
function fakeRepository(clients: RevocationRow[], agents: RevocationRow[] = []) {
  const page = (rows: RevocationRow[], since: Date, { after, limit }: RevocationPage) =>
    rows
      .filter((r) => r.at > since)
      .sort((a, b) => a.at.getTime() - b.at.getTime() || a.id.localeCompare(b.id))
      .filter((r) => !after || r.at > after.at || (r.at.getTime() === after.at.getTime() && r.id > after.id))
      .slice(0, limit);
  return {
    clientsRevokedSince: jest.fn(async (since: Date, p: RevocationPage) => page(clients, since, p)),
    agentsRevokedSince: jest.fn(async (since: Date, p: RevocationPage) => page(agents, since, p)),
  };
}

function setup(store: KeyValueStore, repository: ReturnType<typeof fakeRepository>) {
  const config = { token: { accessTokenTtlSeconds: TTL_SECONDS } } as RegistryConfig;
  const logger = { info: jest.fn(), warn: jest.fn() } as unknown as Logger;
  return new RevocationPublisher(store, config, logger, repository as unknown as RevocationRepository);
}

const row = (i: number, at: number): RevocationRow => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  subject: `client-${i}`,
  at: new Date(at),
});

describe(RevocationPublisher.name, () => {
  let now = NOW;
  let store: MemoryStore;
  beforeEach(() => {
    now = NOW;
    store = new MemoryStore(() => now);
  });
  afterEach(() => store.close());

  it('publishes a client revocation effective after the grace period, living until its tokens expire', async () => {
    const sut = setup(store, fakeRepository([]));
    await sut.revokeClient('c1', new Date(NOW + 30_000), new Date(NOW));
    expect(await store.get(`${REVOCATION_PREFIX.client}c1`)).toBe(String(NOW + 30_000));
    expect(await store.pttl(`${REVOCATION_PREFIX.client}c1`)).toBe(30_000 + KEY_TTL_MS);
  });

  it('turns a store failure into service_unavailable (the caller rolls back)', async () => {
    const broken = {
      set: jest.fn(async () => Promise.reject(new Error('ECONNREFUSED'))),
    } as unknown as KeyValueStore;
    const sut = setup(broken, fakeRepository([]));
    const error = await sut.revokeAgent('a1', new Date(NOW)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('service_unavailable');
  });

  it('re-warms every live revocation in bounded batches with its remaining lifetime', async () => {
    const count = REWARM_BATCH * 2 + 3;
    const rows = Array.from({ length: count }, (_, i) => row(i, NOW - 1_000));
    const repository = fakeRepository(rows, [{ id: 'a', subject: 'agent-1', at: new Date(NOW - 5_000) }]);
    const sut = setup(store, repository);
    await expect(sut.rewarm(NOW)).resolves.toEqual({ clients: count, agents: 1 });
    expect(repository.clientsRevokedSince).toHaveBeenCalledTimes(3);
    for (const call of repository.clientsRevokedSince.mock.calls) expect(call[1].limit).toBe(REWARM_BATCH);
    expect(await store.get(`${REVOCATION_PREFIX.client}client-${count - 1}`)).toBe(String(NOW - 1_000));
    expect(await store.pttl(`${REVOCATION_PREFIX.client}client-0`)).toBe(KEY_TTL_MS - 1_000);
    expect(await store.pttl(`${REVOCATION_PREFIX.agent}agent-1`)).toBe(KEY_TTL_MS - 5_000);
  });

  it('skips revocations whose tokens have all expired and never weakens a newer key', async () => {
    const repository = fakeRepository(
      [row(1, NOW - KEY_TTL_MS - 1), row(2, NOW + 60_000)],
      [{ id: 'a', subject: 'agent-1', at: new Date(NOW - 5_000) }],
    );
    // A live rotation's grace was cut short (client) and the agent was suspended again (later).
    await store.set(`${REVOCATION_PREFIX.client}client-2`, String(NOW), KEY_TTL_MS);
    await store.set(`${REVOCATION_PREFIX.agent}agent-1`, String(NOW), KEY_TTL_MS);
    const sut = setup(store, repository);
    await expect(sut.rewarm(NOW)).resolves.toEqual({ clients: 0, agents: 0 });
    expect(repository.clientsRevokedSince.mock.calls[0]![0]).toEqual(new Date(NOW - KEY_TTL_MS));
    expect(await store.get(`${REVOCATION_PREFIX.client}client-1`)).toBeNull();
    expect(await store.get(`${REVOCATION_PREFIX.client}client-2`)).toBe(String(NOW));
    expect(await store.get(`${REVOCATION_PREFIX.agent}agent-1`)).toBe(String(NOW));
  });

  it('fails the start when the store cannot be re-warmed, rather than serve without revocations', async () => {
    const broken = {
      evictionStatus: jest.fn(async () => Promise.reject(new Error('ECONNREFUSED'))),
      get: jest.fn(async () => Promise.reject(new Error('ECONNREFUSED'))),
      mget: jest.fn(async () => Promise.reject(new Error('ECONNREFUSED'))),
    } as unknown as KeyValueStore;
    const sut = setup(broken, fakeRepository([row(1, NOW)]));
    await expect(sut.onApplicationBootstrap()).rejects.toThrow('ECONNREFUSED');
  });

  it('marks the registry ready in the store once re-warmed at start', async () => {
    const sut = setup(store, fakeRepository([row(1, NOW)]));
    await sut.onApplicationBootstrap();
    try {
      expect(await store.get(revocationReadyKey('registry'))).toMatch(/^ready:/);
    } finally {
      await sut.onModuleDestroy();
    }
  });
});
