import * as path from 'node:path';
import { z } from 'zod';
import { ConfigError, flag, parseEnv, port, positiveInt, postgresUrl, redisUrl, type Env } from './env';
import { DEFAULT_PORTS } from './ports';
import { databaseShape, stackShape, storeShape, toStackConfig } from './stack';

const schema = z.object({ ...stackShape, ...databaseShape, ...storeShape });
const GOOD_DB = 'postgres://postgres@127.0.0.1:5432/agentidp';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseEnv', () => {
  it('parses a valid environment and fills defaults', () => {
    const config = parseEnv(schema, { DATABASE_URL: GOOD_DB, AUTH_GRPC_PORT: '6000', UNRELATED: 'x' });
    expect(config.DATABASE_URL).toBe(GOOD_DB);
    expect(config.AUTH_GRPC_PORT).toBe(6000);
    expect(config.REGISTRY_GRPC_PORT).toBe(DEFAULT_PORTS.registry);
    expect(config.BILLING_GRPC_PORT).toBe(DEFAULT_PORTS.billing);
    expect(config.DB_POOL_MAX).toBe(10);
    expect(config.NODE_ENV).toBe('development');
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.GRPC_HOST).toBe('127.0.0.1');
    expect(config.GRPC_TLS_DIR).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.REGISTRY_GRPC_URL).toBeUndefined();
  });

  it('accepts postgresql:// and rediss:// URLs', () => {
    const config = parseEnv(schema, {
      DATABASE_URL: 'postgresql://u:p@db:5432/x',
      REDIS_URL: 'rediss://cache:6380/0',
    });
    expect(config.DATABASE_URL).toBe('postgresql://u:p@db:5432/x');
    expect(config.REDIS_URL).toBe('rediss://cache:6380/0');
  });

  it('rejects a bad DATABASE_URL with a one-line ConfigError naming the variable', () => {
    const error = configError(() => parseEnv(schema, { DATABASE_URL: 'mysql://root@db/x' }));
    expect(error.name).toBe('ConfigError');
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).toContain('must be a postgres:// or postgresql:// URL');
    // The bad value itself is never echoed (it may carry a password).
    expect(error.message).not.toContain('mysql://root@db/x');
  });

  it('rejects a value that is not a URL at all', () => {
    const error = configError(() =>
      parseEnv(z.object({ DATABASE_URL: postgresUrl }), { DATABASE_URL: 'not a url' }),
    );
    expect(error.message).toMatch(/^invalid configuration: DATABASE_URL: /);
  });

  it('names every bad variable together, on one line', () => {
    const error = configError(() =>
      parseEnv(schema, {
        DATABASE_URL: 'http://db',
        REDIS_URL: 'memcached://x',
        AUTH_GRPC_PORT: '70000',
        LOG_LEVEL: 'loud',
        REGISTRY_GRPC_URL: 'no port here',
      }),
    );
    expect(error.message).not.toMatch(/[\r\n]/);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'AUTH_GRPC_PORT', 'LOG_LEVEL', 'REGISTRY_GRPC_URL']) {
      expect(error.message).toContain(`${name}: `);
    }
    expect(error.message.split('; ')).toHaveLength(5);
    expect(error.message).not.toContain('BILLING_GRPC_PORT');
  });

  it('reports a missing required variable', () => {
    const error = configError(() => parseEnv(schema, {}));
    expect(error.message).toContain('DATABASE_URL: ');
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it('treats empty strings as unset', () => {
    const env: Env = {
      DATABASE_URL: GOOD_DB,
      REDIS_URL: '',
      AUTH_GRPC_PORT: '',
      LOG_LEVEL: '',
      AUTH_GRPC_URL: '',
    };
    const config = parseEnv(schema, env);
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.AUTH_GRPC_PORT).toBe(DEFAULT_PORTS.auth);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.AUTH_GRPC_URL).toBeUndefined();
    // An empty required variable is missing, not "valid but empty".
    expect(() => parseEnv(schema, { DATABASE_URL: '' })).toThrow(ConfigError);
  });

  it('does not mutate the environment it is given', () => {
    const env: Env = { DATABASE_URL: GOOD_DB, REDIS_URL: '' };
    parseEnv(schema, env);
    expect(env).toEqual({ DATABASE_URL: GOOD_DB, REDIS_URL: '' });
  });
});

describe('fragments', () => {
  const flags = z.object({ ENABLED: flag(false), DEFAULT_ON: flag(true) });

  it('flag accepts true/false/1/0 and defaults', () => {
    expect(parseEnv(flags, { ENABLED: 'true' })).toEqual({ ENABLED: true, DEFAULT_ON: true });
    expect(parseEnv(flags, { ENABLED: '1', DEFAULT_ON: '0' })).toEqual({ ENABLED: true, DEFAULT_ON: false });
    expect(parseEnv(flags, { ENABLED: 'false', DEFAULT_ON: 'false' })).toEqual({
      ENABLED: false,
      DEFAULT_ON: false,
    });
    expect(parseEnv(flags, {})).toEqual({ ENABLED: false, DEFAULT_ON: true });
  });

  it.each(['yes', 'no', 'TRUE', 'on', '2'])('flag rejects %p instead of reading it as false', (value) => {
    const error = configError(() => parseEnv(flags, { ENABLED: value }));
    expect(error.message).toBe('invalid configuration: ENABLED: must be true or false');
  });

  it('port and positiveInt coerce and bound numbers', () => {
    const s = z.object({ PORT: port(3000), SIZE: positiveInt(5) });
    expect(parseEnv(s, {})).toEqual({ PORT: 3000, SIZE: 5 });
    expect(parseEnv(s, { PORT: '0', SIZE: '7' })).toEqual({ PORT: 0, SIZE: 7 });
    expect(() => parseEnv(s, { PORT: '65536' })).toThrow(/PORT/);
    expect(() => parseEnv(s, { PORT: '80.5' })).toThrow(/PORT/);
    expect(() => parseEnv(s, { SIZE: '0' })).toThrow(/SIZE/);
    expect(() => parseEnv(s, { SIZE: 'many' })).toThrow(/SIZE/);
  });

  it('redisUrl rejects other protocols', () => {
    expect(() => parseEnv(z.object({ R: redisUrl }), { R: 'http://cache:6379' })).toThrow(
      'invalid configuration: R: must be a redis:// or rediss:// URL',
    );
  });
});

describe('toStackConfig', () => {
  it('dials every peer at 127.0.0.1:<its port> by default', () => {
    const config = toStackConfig(parseEnv(z.object(stackShape), { AUDIT_GRPC_PORT: '7003' }));
    expect(config.ports).toEqual({ ...DEFAULT_PORTS_OF_SERVICES, audit: 7003 });
    expect(config.peers).toEqual({
      registry: `127.0.0.1:${DEFAULT_PORTS.registry}`,
      auth: `127.0.0.1:${DEFAULT_PORTS.auth}`,
      audit: '127.0.0.1:7003',
      billing: `127.0.0.1:${DEFAULT_PORTS.billing}`,
    });
    expect(config).toMatchObject({ nodeEnv: 'development', logLevel: 'info', grpcHost: '127.0.0.1' });
    expect(config.grpcTls).toEqual({ dir: undefined, dataDir: path.resolve('.data'), production: false });
  });

  it('honours *_GRPC_URL per service', () => {
    const config = toStackConfig(
      parseEnv(z.object(stackShape), {
        REGISTRY_GRPC_URL: 'registry:50051',
        BILLING_GRPC_URL: '10.0.0.7:9000',
        BILLING_GRPC_PORT: '9999',
        NODE_ENV: 'production',
      }),
    );
    expect(config.peers).toEqual({
      registry: 'registry:50051',
      auth: `127.0.0.1:${DEFAULT_PORTS.auth}`,
      audit: `127.0.0.1:${DEFAULT_PORTS.audit}`,
      billing: '10.0.0.7:9000',
    });
    // The listen port stays independent of where peers dial.
    expect(config.ports.billing).toBe(9999);
    expect(config.nodeEnv).toBe('production');
  });
});

const DEFAULT_PORTS_OF_SERVICES = {
  registry: DEFAULT_PORTS.registry,
  auth: DEFAULT_PORTS.auth,
  audit: DEFAULT_PORTS.audit,
  billing: DEFAULT_PORTS.billing,
};
