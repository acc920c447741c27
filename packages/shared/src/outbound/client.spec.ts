import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { createOutboundClient, OutboundError, type OutboundClient } from './client';

/** A plain TCP listener on 127.0.0.1 that counts the connections it accepts. */
async function countingListener(): Promise<{
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}> {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function httpServer(
  handler: Parameters<typeof createHttpServer>[1],
): Promise<{ server: Server; port: number }> {
  const server = createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

describe('createOutboundClient', () => {
  let client: OutboundClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('never connects to a host name that resolves to loopback', async () => {
    const listener = await countingListener();
    try {
      client = createOutboundClient({ allowedTargets: [] });
      const error = await failure(
        client.send(`https://localhost:${listener.port}/hook`, { method: 'POST', body: '{}' }),
      );
      expect(error.failure).toBe('refused');
      expect(listener.connections()).toBe(0);
    } finally {
      await listener.close();
    }
  });

  it('refuses a name when any of its addresses is private, even if another is public', async () => {
    const listener = await countingListener();
    try {
      client = createOutboundClient({
        allowedTargets: [],
        resolver: async () => [
          { address: '93.184.216.34', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ],
      });
      const error = await failure(client.send(`https://mixed.example:${listener.port}/`, { method: 'GET' }));
      expect(error.failure).toBe('refused');
      expect(listener.connections()).toBe(0);
    } finally {
      await listener.close();
    }
  });

  it('refuses private IP literals and http before any connection', async () => {
    const listener = await countingListener();
    try {
      client = createOutboundClient({ allowedTargets: [] });
      for (const url of [
        `https://127.0.0.1:${listener.port}/`,
        `https://[::ffff:127.0.0.1]:${listener.port}/`,
        `http://127.0.0.1:${listener.port}/`,
      ]) {
        expect((await failure(client.send(url, { method: 'GET' }))).failure).toBe('refused');
      }
      expect(listener.connections()).toBe(0);
    } finally {
      await listener.close();
    }
  });

  it('sends to a listed target, http included, and returns the answer without following a redirect', async () => {
    const seen: string[] = [];
    const { server, port } = await httpServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.1:${port}/target` }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    try {
      client = createOutboundClient({ allowedTargets: [`127.0.0.1:${port}`] });
      const ok = await client.send(`http://127.0.0.1:${port}/hook`, { method: 'POST', body: '{"a":1}' });
      expect(ok.status).toBe(200);
      expect(ok.body.toString()).toBe('ok');
      const redirect = await client.send(`http://127.0.0.1:${port}/redirect`, { method: 'GET' });
      expect(redirect.status).toBe(302);
      expect(seen).toEqual(['POST /hook', 'GET /redirect']);
    } finally {
      await closeServer(server);
    }
  });

  it('bounds the size of the answer', async () => {
    const { server, port } = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(64 * 1024));
    });
    try {
      client = createOutboundClient({ allowedTargets: [`127.0.0.1:${port}`], maxResponseBytes: 1024 });
      const error = await failure(client.send(`http://127.0.0.1:${port}/`, { method: 'GET' }));
      expect(error.failure).toBe('too_large');
    } finally {
      await closeServer(server);
    }
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const { server, port } = await httpServer(() => {
      // never answers
    });
    try {
      client = createOutboundClient({ allowedTargets: [`127.0.0.1:${port}`] });
      const error = await failure(
        client.send(`http://127.0.0.1:${port}/`, { method: 'GET', timeoutMs: 200 }),
      );
      expect(error.failure).toBe('timeout');
    } finally {
      await closeServer(server);
    }
  });
});
