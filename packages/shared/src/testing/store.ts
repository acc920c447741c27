import { randomBytes } from 'node:crypto';
import { MemoryStore, RedisStore, type KeyValueStore } from '../store';

/**
 * A key-value store for one test file. With REDIS_URL: a RedisStore under a random key prefix
 * (so test files never see each other's keys), connected before it is returned. Without: a MemoryStore.
 */
export async function createTestStore(): Promise<KeyValueStore> {
  const url = process.env.REDIS_URL;
  if (!url) return new MemoryStore();
  const store = new RedisStore({ url, keyPrefix: `t:${randomBytes(6).toString('hex')}:` });
  try {
    await store.ready();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
