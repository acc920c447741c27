import { loadGatewayConfig } from './config';

describe(loadGatewayConfig.name, () => {
  it('trusts no proxy by default: the socket address is the client address', () => {
    expect(loadGatewayConfig({}).trustProxy).toBe(false);
    expect(loadGatewayConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadGatewayConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadGatewayConfig({ TRUST_PROXY: '' }).trustProxy).toBe(false);
  });

  it('TRUST_PROXY: a hop count, or addresses, CIDR ranges and the named ranges', () => {
    expect(loadGatewayConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(
      loadGatewayConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,fd00::/8, loopback' }).trustProxy,
    ).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback']);
  });

  it.each(['true', '11', '10.0.0.0/33', '10.0.0.0/8/1', 'example.com', '1.2.3', 'fd00::/129'])(
    'TRUST_PROXY=%j is refused, naming the variable',
    (value) => {
      expect(() => loadGatewayConfig({ TRUST_PROXY: value })).toThrow(
        /TRUST_PROXY: must be false, a hop count/,
      );
    },
  );

  it('HTTP timeouts have safe defaults, and the headers timeout may not exceed the request timeout', () => {
    expect(loadGatewayConfig({}).http).toMatchObject({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
    });
    expect(
      loadGatewayConfig({ HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '3000' }).http,
    ).toMatchObject({ headersTimeoutMs: 2_000, requestTimeoutMs: 3_000 });
    expect(() => loadGatewayConfig({ HTTP_HEADERS_TIMEOUT_MS: '40000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS: must not be longer than HTTP_REQUEST_TIMEOUT_MS/,
    );
    expect(() => loadGatewayConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '0' })).toThrow(
      /HTTP_KEEP_ALIVE_TIMEOUT_MS/,
    );
  });

  it('AUTH_FAILURE_LIMIT sets the failure budget per client id and address', () => {
    expect(loadGatewayConfig({}).rateLimit.authFailures).toBe(20);
    expect(loadGatewayConfig({ AUTH_FAILURE_LIMIT: '5' }).rateLimit.authFailures).toBe(5);
  });
});
