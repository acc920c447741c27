import { waitFor } from './testing';
import type { KeyValueStore } from '../src/store';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every KeyValueStore must share (see src/store/types.ts). Run against each
 * implementation; `factory` returns a fresh, empty, connected store.
 */
export function describeStoreContract(name: string, factory: () => Promise<KeyValueStore>): void {
  describe(`KeyValueStore contract: ${name}`, () => {
    let store: KeyValueStore;

    beforeEach(async () => {
      store = await factory();
    });

    afterEach(async () => {
      await store.close();
    });

    it('reports its kind', () => {
      expect(store.kind).toBe(name);
    });

    describe('get / set', () => {
      it('returns null for a missing key', async () => {
        await expect(store.get('missing')).resolves.toBeNull();
      });

      it('stores, reads and overwrites values', async () => {
        await store.set('k', 'v1');
        await expect(store.get('k')).resolves.toBe('v1');
        await store.set('k', 'v2');
        await expect(store.get('k')).resolves.toBe('v2');
        await store.set('empty', '');
        await expect(store.get('empty')).resolves.toBe('');
        const unicode = 'ключ ✓ \u0000 "quoted"';
        await store.set('unicode', unicode);
        await expect(store.get('unicode')).resolves.toBe(unicode);
      });

      it('keeps keys apart', async () => {
        await store.set('a', '1');
        await store.set('b', '2');
        await expect(store.get('a')).resolves.toBe('1');
        await expect(store.get('b')).resolves.toBe('2');
      });

      it('expires a value set with a ttl', async () => {
        await store.set('short', 'v', 100);
        await store.set('long', 'v', 60_000);
        await expect(store.get('short')).resolves.toBe('v');
        const ttl = await store.pttl('short');
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(100);
        await waitFor(async () => (await store.get('short')) === null, { timeoutMs: 2_000, intervalMs: 20 });
        await expect(store.pttl('short')).resolves.toBe(-2);
        await expect(store.get('long')).resolves.toBe('v');
      });

      it('a set without ttl clears a previous expiry', async () => {
        await store.set('k', 'v1', 100);
        await store.set('k', 'v2');
        await expect(store.pttl('k')).resolves.toBe(-1);
        await sleep(150);
        await expect(store.get('k')).resolves.toBe('v2');
      });

      it('a set with ttl replaces a previous expiry', async () => {
        await store.set('k', 'v1', 60_000);
        await store.set('k', 'v2', 100);
        expect(await store.pttl('k')).toBeLessThanOrEqual(100);
        await waitFor(async () => (await store.get('k')) === null, { timeoutMs: 2_000, intervalMs: 20 });
      });
    });

    describe('mget', () => {
      it('returns values in the order of the keys, null for missing ones', async () => {
        await store.set('one', '1');
        await store.set('three', '3');
        await expect(store.mget(['three', 'missing', 'one', 'three'])).resolves.toEqual([
          '3',
          null,
          '1',
          '3',
        ]);
      });

      it('returns [] for no keys', async () => {
        await expect(store.mget([])).resolves.toEqual([]);
      });

      it('returns null for expired keys', async () => {
        await store.set('gone', 'x', 50);
        await store.set('kept', 'y');
        await waitFor(async () => (await store.get('gone')) === null, { timeoutMs: 2_000, intervalMs: 20 });
        await expect(store.mget(['gone', 'kept'])).resolves.toEqual([null, 'y']);
      });
    });

    describe('del', () => {
      it('deletes keys and counts only those that existed', async () => {
        await store.set('a', '1');
        await store.set('b', '2');
        await store.set('c', '3');
        await expect(store.del('a', 'b', 'missing')).resolves.toBe(2);
        await expect(store.mget(['a', 'b', 'c'])).resolves.toEqual([null, null, '3']);
        await expect(store.del('a')).resolves.toBe(0);
      });

      it('returns 0 for no keys', async () => {
        await expect(store.del()).resolves.toBe(0);
      });

      it('does not count an expired key', async () => {
        await store.set('gone', 'x', 50);
        await waitFor(async () => (await store.pttl('gone')) === -2, { timeoutMs: 2_000, intervalMs: 20 });
        await expect(store.del('gone')).resolves.toBe(0);
      });
    });

    describe('incr', () => {
      it('creates a missing key at `by` and adds on later calls', async () => {
        await expect(store.incr('n', 60_000)).resolves.toBe(1);
        await expect(store.incr('n', 60_000)).resolves.toBe(2);
        await expect(store.incr('n', 60_000, 5)).resolves.toBe(7);
        await expect(store.incr('n', 60_000, -3)).resolves.toBe(4);
        await expect(store.get('n')).resolves.toBe('4');
        await expect(store.incr('m', 60_000, 10)).resolves.toBe(10);
      });

      it('is atomic under concurrency', async () => {
        const values = await Promise.all(Array.from({ length: 200 }, () => store.incr('counter', 60_000)));
        expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        await expect(store.get('counter')).resolves.toBe('200');
      });

      it('sets the ttl when it creates the key', async () => {
        await store.incr('window', 10_000);
        const ttl = await store.pttl('window');
        expect(ttl).toBeGreaterThan(9_000);
        expect(ttl).toBeLessThanOrEqual(10_000);
      });

      it('does not extend the ttl of an existing key', async () => {
        await store.incr('window', 10_000);
        const first = await store.pttl('window');
        await sleep(30);
        await expect(store.incr('window', 60_000)).resolves.toBe(2);
        const second = await store.pttl('window');
        expect(second).toBeGreaterThan(0);
        expect(second).toBeLessThanOrEqual(first);
      });

      it('does not reset the ttl when an existing counter passes through `by` again', async () => {
        await expect(store.incr('quota', 10_000)).resolves.toBe(1);
        await expect(store.incr('quota', 60_000, -1)).resolves.toBe(0);
        await expect(store.incr('quota', 60_000)).resolves.toBe(1);
        expect(await store.pttl('quota')).toBeLessThanOrEqual(10_000);
      });

      it('keeps a key without expiry without expiry', async () => {
        await store.set('plain', '0');
        await expect(store.incr('plain', 100)).resolves.toBe(1);
        await expect(store.pttl('plain')).resolves.toBe(-1);
      });

      it('starts a new window after the key expires', async () => {
        await store.incr('window', 80);
        await store.incr('window', 80);
        await waitFor(async () => (await store.get('window')) === null, { timeoutMs: 2_000, intervalMs: 20 });
        await expect(store.incr('window', 60_000)).resolves.toBe(1);
        expect(await store.pttl('window')).toBeGreaterThan(59_000);
      });

      it('rejects when the value is not an integer, leaving it unchanged', async () => {
        await store.set('text', 'abc');
        await expect(store.incr('text', 1_000)).rejects.toThrow(/not an integer/);
        await expect(store.get('text')).resolves.toBe('abc');
      });
    });

    describe('setIfEqual', () => {
      it('replaces the value only when it equals the expected one, dropping any expiry', async () => {
        await store.set('k', 'pending:1', 60_000);
        await expect(store.setIfEqual('k', 'pending:2', 'ready')).resolves.toBe(false);
        await expect(store.get('k')).resolves.toBe('pending:1');
        await expect(store.setIfEqual('k', 'pending:1', 'ready')).resolves.toBe(true);
        await expect(store.get('k')).resolves.toBe('ready');
        await expect(store.pttl('k')).resolves.toBe(-1);
      });

      it('never matches a missing key (a flush between the steps is detected)', async () => {
        await expect(store.setIfEqual('missing', '', 'ready')).resolves.toBe(false);
        await expect(store.get('missing')).resolves.toBeNull();
      });
    });

    describe('incrUpTo', () => {
      it('adds up to the limit and refuses past it, leaving the value unchanged', async () => {
        await expect(store.incrUpTo('q', 3, 60_000)).resolves.toEqual({ allowed: true, value: 1 });
        await expect(store.incrUpTo('q', 3, 60_000)).resolves.toEqual({ allowed: true, value: 2 });
        await expect(store.incrUpTo('q', 3, 60_000)).resolves.toEqual({ allowed: true, value: 3 });
        await expect(store.incrUpTo('q', 3, 60_000)).resolves.toEqual({ allowed: false, value: 3 });
        await expect(store.get('q')).resolves.toBe('3');
        // A higher limit (an upgraded tier) lets the same counter go on.
        await expect(store.incrUpTo('q', 4, 60_000)).resolves.toEqual({ allowed: true, value: 4 });
      });

      it('refuses a step of `by` that would cross the limit, even below it', async () => {
        await expect(store.incrUpTo('t', 10, 60_000, 8)).resolves.toEqual({ allowed: true, value: 8 });
        await expect(store.incrUpTo('t', 10, 60_000, 3)).resolves.toEqual({ allowed: false, value: 8 });
        await expect(store.incrUpTo('t', 10, 60_000, 2)).resolves.toEqual({ allowed: true, value: 10 });
      });

      it('lets exactly `limit` of 50 parallel calls through', async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.incrUpTo('parallel', 10, 60_000)),
        );
        expect(results.filter((r) => r.allowed)).toHaveLength(10);
        expect(
          results
            .filter((r) => r.allowed)
            .map((r) => r.value)
            .sort((a, b) => a - b),
        ).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
        expect(results.filter((r) => !r.allowed).every((r) => r.value === 10)).toBe(true);
        await expect(store.get('parallel')).resolves.toBe('10');
      });

      it('with limit 0 refuses and does not create the key', async () => {
        await expect(store.incrUpTo('zero', 0, 60_000)).resolves.toEqual({ allowed: false, value: 0 });
        await expect(store.pttl('zero')).resolves.toBe(-2);
      });

      it('reports a value already over the limit (set by hand) without changing it', async () => {
        await store.set('over', '1001', 60_000);
        await expect(store.incrUpTo('over', 1000, 60_000)).resolves.toEqual({ allowed: false, value: 1001 });
        await expect(store.get('over')).resolves.toBe('1001');
      });

      it('sets the ttl when it creates the key and keeps the expiry of an existing one', async () => {
        await store.incrUpTo('window', 5, 10_000);
        const ttl = await store.pttl('window');
        expect(ttl).toBeGreaterThan(9_000);
        expect(ttl).toBeLessThanOrEqual(10_000);
        await store.incrUpTo('window', 5, 60_000);
        expect(await store.pttl('window')).toBeLessThanOrEqual(10_000);
        await store.set('plain', '1');
        await expect(store.incrUpTo('plain', 5, 100)).resolves.toEqual({ allowed: true, value: 2 });
        await expect(store.pttl('plain')).resolves.toBe(-1);
      });

      it('starts again at `by` once the key expired', async () => {
        await store.incrUpTo('short', 1, 80);
        await expect(store.incrUpTo('short', 1, 80)).resolves.toEqual({ allowed: false, value: 1 });
        await waitFor(async () => (await store.get('short')) === null, { timeoutMs: 2_000, intervalMs: 20 });
        await expect(store.incrUpTo('short', 1, 60_000)).resolves.toEqual({ allowed: true, value: 1 });
      });

      it('rejects when the value is not an integer, leaving it unchanged', async () => {
        await store.set('text', 'abc');
        await expect(store.incrUpTo('text', 10, 1_000)).rejects.toThrow(/not an integer/);
        await expect(store.get('text')).resolves.toBe('abc');
      });

      it('rejects a negative or fractional limit and a step below 1', async () => {
        await expect(store.incrUpTo('k', -1, 1_000)).rejects.toThrow(RangeError);
        await expect(store.incrUpTo('k', 1.5, 1_000)).rejects.toThrow(RangeError);
        await expect(store.incrUpTo('k', 10, 1_000, 0)).rejects.toThrow(RangeError);
        await expect(store.get('k')).resolves.toBeNull();
      });
    });

    describe('pttl', () => {
      it('is -2 for a missing key and -1 for a key without expiry', async () => {
        await expect(store.pttl('missing')).resolves.toBe(-2);
        await store.set('forever', 'v');
        await expect(store.pttl('forever')).resolves.toBe(-1);
      });

      it('counts down', async () => {
        await store.set('k', 'v', 5_000);
        const first = await store.pttl('k');
        await sleep(40);
        const second = await store.pttl('k');
        expect(first).toBeLessThanOrEqual(5_000);
        expect(second).toBeLessThan(first);
        expect(second).toBeGreaterThan(4_000);
      });
    });

    it('ping resolves', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('rejects (does not hang) after close', async () => {
      const other = await factory();
      await other.close();
      await expect(other.get('k')).rejects.toThrow();
      await expect(other.ping()).rejects.toThrow();
    });
  });
}
