import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from './testing';
import { MemoryStore, RedisStore } from '../src/store';
import { describeStoreContract } from './store.contract';

describeStoreContract('memory', async () => new MemoryStore());

const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  describeStoreContract('redis', async () => {
    const store = new RedisStore({ url: redisUrl, keyPrefix: `t:${randomBytes(6).toString('hex')}:` });
    await store.ready();
    return store;
  });

  describe('RedisStore with a key prefix', () => {
    it('keeps stores with different prefixes apart', async () => {
      const a = new RedisStore({ url: redisUrl, keyPrefix: `t:${randomBytes(6).toString('hex')}:` });
      const b = new RedisStore({ url: redisUrl, keyPrefix: `t:${randomBytes(6).toString('hex')}:` });
      try {
        await Promise.all([a.ready(), b.ready()]);
        await a.set('shared', 'from-a', 10_000);
        await expect(b.get('shared')).resolves.toBeNull();
        await b.set('shared', 'from-b', 10_000);
        await expect(a.get('shared')).resolves.toBe('from-a');
        await expect(a.mget(['shared'])).resolves.toEqual(['from-a']);
        await expect(b.del('shared')).resolves.toBe(1);
        await expect(a.get('shared')).resolves.toBe('from-a');
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}

describe('MemoryStore with an injected clock', () => {
  let now: number;
  let store: MemoryStore;

  beforeEach(() => {
    now = 1_000_000;
    store = new MemoryStore(() => now);
  });

  afterEach(async () => {
    await store.close();
  });

  it('expires a value exactly at its ttl', async () => {
    await store.set('k', 'v', 1_000);
    now += 999;
    await expect(store.get('k')).resolves.toBe('v');
    await expect(store.pttl('k')).resolves.toBe(1);
    now += 1;
    await expect(store.get('k')).resolves.toBeNull();
    await expect(store.pttl('k')).resolves.toBe(-2);
  });

  it('reports the exact remaining ttl', async () => {
    await store.set('k', 'v', 60_000);
    now += 12_345;
    await expect(store.pttl('k')).resolves.toBe(47_655);
  });

  it('keeps the window of an incr counter fixed', async () => {
    await expect(store.incr('window', 1_000)).resolves.toBe(1);
    now += 600;
    await expect(store.incr('window', 1_000)).resolves.toBe(2);
    await expect(store.pttl('window')).resolves.toBe(400);
    now += 400;
    await expect(store.get('window')).resolves.toBeNull();
    await expect(store.incr('window', 1_000)).resolves.toBe(1);
    await expect(store.pttl('window')).resolves.toBe(1_000);
  });

  it('mget and del ignore expired keys', async () => {
    await store.set('a', '1', 10);
    await store.set('b', '2', 20);
    now += 10;
    await expect(store.mget(['a', 'b'])).resolves.toEqual([null, '2']);
    await expect(store.del('a', 'b')).resolves.toBe(1);
  });

  it('rejects every operation once closed', async () => {
    await store.set('k', 'v');
    await store.close();
    await expect(store.get('k')).rejects.toThrow('store is closed');
    await expect(store.set('k', 'v')).rejects.toThrow('store is closed');
    await expect(store.incr('k', 1)).rejects.toThrow('store is closed');
    await expect(store.ping()).rejects.toThrow('store is closed');
  });
});

/**
 * RedisStore must fail closed: with Redis down or stalled, every call rejects quickly instead of
 * queueing or hanging. These need no Redis server, so they run in both backend modes.
 */
describe('RedisStore fails closed', () => {
  async function settlesWithin<T>(
    promise: Promise<T>,
    ms: number,
  ): Promise<{ error: unknown; elapsedMs: number }> {
    const started = Date.now();
    const outcome = await Promise.race([
      promise.then(
        () => ({ error: undefined }),
        (error: unknown) => ({ error }),
      ),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms).unref()),
    ]);
    if (outcome === 'hung') throw new Error(`still pending after ${ms} ms`);
    return { error: outcome.error, elapsedMs: Date.now() - started };
  }

  it('rejects get, set, incr, mget and ping against a closed port within 2.5 s', async () => {
    const port = await freePort();
    // The short command timeout only keeps ioredis from leaving per-command timers running after the test.
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 250 });
    try {
      const calls: Array<() => Promise<unknown>> = [
        () => store.get('k'),
        () => store.set('k', 'v', 1_000),
        () => store.incr('k', 1_000),
        () => store.mget(['k']),
        () => store.ping(),
      ];
      for (const call of calls) {
        const { error, elapsedMs } = await settlesWithin(call(), 2_500);
        expect(error).toBeInstanceOf(Error);
        expect(elapsedMs).toBeLessThan(2_500);
      }
    } finally {
      await settlesWithin(store.close(), 2_500);
    }
  });

  describe('against servers that accept connections but do not answer', () => {
    const servers: Server[] = [];
    const sockets = new Set<Socket>();

    /**
     * A TCP server that looks like Redis only as far as `speaks` says: with `handshake`, it answers
     * the connection handshake (CLIENT SETINFO, INFO, QUIT) so ioredis becomes ready, then swallows
     * every data command; with `silent`, it never answers anything.
     */
    async function fakeRedis(speaks: 'handshake' | 'silent'): Promise<number> {
      const server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('end', () => socket.destroy());
        let pending = '';
        let stalled = 0;
        socket.on('data', (chunk) => {
          if (speaks === 'silent') return;
          pending += chunk.toString('latin1');
          for (let command = takeCommand(); command; command = takeCommand()) {
            const name = command[0]?.toUpperCase();
            if (name === 'INFO') socket.write('$19\r\nloading:0\r\nrole:x\r\n\r\n');
            else if (name === 'CLIENT' || name === 'SELECT') socket.write('+OK\r\n');
            // On QUIT, answer the stalled commands (nil) first so replies stay in order, then close.
            else if (name === 'QUIT') socket.end(`${'$-1\r\n'.repeat(stalled)}+OK\r\n`);
            // Anything else (GET, SET, EVALSHA, PING, …) gets no answer until QUIT: a stalled server.
            else stalled += 1;
          }
        });
        /** Removes one complete RESP command (`*<n>` then n bulk strings) from `pending`. */
        function takeCommand(): string[] | undefined {
          const header = /^\*(\d+)\r\n/.exec(pending);
          if (!header) return undefined;
          let offset = header[0].length;
          const args: string[] = [];
          for (let i = 0; i < Number(header[1]); i += 1) {
            const bulk = /^\$(\d+)\r\n/.exec(pending.slice(offset));
            if (!bulk) return undefined;
            const start = offset + bulk[0].length;
            const end = start + Number(bulk[1]);
            if (pending.length < end + 2) return undefined;
            args.push(pending.slice(start, end));
            offset = end + 2;
          }
          pending = pending.slice(offset);
          return args;
        }
      });
      servers.push(server);
      return new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
          const address = server.address();
          if (typeof address === 'object' && address) resolve(address.port);
          else reject(new Error('no TCP address'));
        });
      });
    }

    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    });

    it('ready() rejects and commands reject when the server never answers', async () => {
      const port = await fakeRedis('silent');
      const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 200 });
      try {
        await expect(store.ready(300)).rejects.toThrow('redis: not reachable');
        const { error } = await settlesWithin(store.get('k'), 2_500);
        expect(error).toBeInstanceOf(Error);
        expect((await settlesWithin(store.ping(), 2_500)).error).toBeInstanceOf(Error);
      } finally {
        await settlesWithin(store.close(), 2_500);
      }
    });

    it('rejects a command after commandTimeoutMs when a connected server stalls', async () => {
      const port = await fakeRedis('handshake');
      const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 200 });
      try {
        await store.ready(2_000);
        const { error, elapsedMs } = await settlesWithin(store.get('k'), 2_500);
        expect(error).toBeInstanceOf(Error);
        expect(String(error)).toMatch(/timed out/i);
        expect(elapsedMs).toBeGreaterThanOrEqual(150);
        expect((await settlesWithin(store.incr('k', 1_000), 2_500)).error).toBeInstanceOf(Error);
      } finally {
        await settlesWithin(store.close(), 2_500);
      }
    });
  });
});
