import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type ServiceError,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { ERROR_CODES, type ErrorCode } from './codes';
import { DomainError, type FieldError } from './domain-error';
import { fromGrpcError, toGrpcError } from './grpc';

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];
const EXPOSED = CODES.filter((code) => ERROR_CODES[code].http < 500);
const HIDDEN = CODES.filter((code) => ERROR_CODES[code].http >= 500);

function serviceError(code: GrpcStatus, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${GrpcStatus[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

describe('toGrpcError', () => {
  it.each(CODES)('%s is sent with its gRPC status', (code) => {
    const payload = toGrpcError(new DomainError(code, 'message'));
    expect(payload.code).toBe(ERROR_CODES[code].grpc);
    expect(JSON.parse(payload.details)).toMatchObject({ code });
    expect(payload.metadata).toBeInstanceOf(Metadata);
  });

  it('hides internals of an unknown error behind internal_error', () => {
    const secret = 'connect ECONNREFUSED 10.1.2.3:5432 password=hunter2';
    const payload = toGrpcError(new Error(secret));
    expect(payload.code).toBe(GrpcStatus.INTERNAL);
    expect(JSON.parse(payload.details)).toEqual({ code: 'internal_error', message: 'Internal error' });
    expect(payload.details).not.toContain('hunter2');
    expect(payload.message).not.toContain('hunter2');
  });

  it.each([['a string'], [42], [null], [undefined], [{ code: 'not_found', message: 'looks like ours' }]])(
    'treats a thrown %p as internal_error',
    (thrown) => {
      const decoded = fromGrpcError(serviceError(GrpcStatus.INTERNAL, toGrpcError(thrown).details));
      expect(decoded.code).toBe('internal_error');
      expect(decoded.message).toBe('Internal error');
    },
  );

  it.each(HIDDEN)('%s: message and details are replaced by the title', (code) => {
    const payload = toGrpcError(
      new DomainError(code, 'redis at 10.0.0.5 refused', { details: { host: '10.0.0.5' } }),
    );
    const wire: unknown = JSON.parse(payload.details);
    expect(wire).toEqual({ code, message: ERROR_CODES[code].title });
    expect(payload.details).not.toContain('10.0.0.5');
  });
});

describe('fromGrpcError', () => {
  const errors: FieldError[] = [
    { path: 'name', message: 'is required' },
    { path: 'scopes[0]', message: 'unknown scope' },
  ];

  it.each(EXPOSED)('%s round-trips with code, message, details and errors', (code) => {
    const original = new DomainError(code, `Something about ${code}`, {
      details: { tier: 'free', limit: 5, nested: { ok: true } },
      errors,
    });
    const payload = toGrpcError(original);
    const decoded = fromGrpcError(serviceError(payload.code, payload.details));
    expect(decoded).toBeInstanceOf(DomainError);
    expect(decoded.code).toBe(code);
    expect(decoded.message).toBe(original.message);
    expect(decoded.details).toEqual(original.details);
    expect(decoded.errors).toEqual(errors);
  });

  it.each(HIDDEN)('%s round-trips as its code with the generic title', (code) => {
    const payload = toGrpcError(new DomainError(code, 'internal detail'));
    const decoded = fromGrpcError(serviceError(payload.code, payload.details));
    expect(decoded.code).toBe(code);
    expect(decoded.message).toBe(ERROR_CODES[code].title);
    expect(decoded.details).toBeUndefined();
  });

  it('returns a DomainError unchanged', () => {
    const error = new DomainError('conflict', 'Already exists');
    expect(fromGrpcError(error)).toBe(error);
  });

  it('maps a transport UNAVAILABLE with non-JSON details to service_unavailable', () => {
    const raw = serviceError(
      GrpcStatus.UNAVAILABLE,
      'No connection established. Last error: connect ECONNREFUSED',
    );
    const decoded = fromGrpcError(raw);
    expect(decoded.code).toBe('service_unavailable');
    expect(decoded.message).toBe('A backend service is unavailable');
    expect(decoded.message).not.toContain('ECONNREFUSED');
    expect(decoded.cause).toBe(raw);
  });

  it.each([
    [GrpcStatus.DEADLINE_EXCEEDED, 'service_unavailable'],
    [GrpcStatus.CANCELLED, 'service_unavailable'],
    [GrpcStatus.NOT_FOUND, 'not_found'],
    [GrpcStatus.PERMISSION_DENIED, 'forbidden'],
    [GrpcStatus.UNAUTHENTICATED, 'invalid_token'],
    [GrpcStatus.RESOURCE_EXHAUSTED, 'rate_limit_exceeded'],
    [GrpcStatus.UNKNOWN, 'internal_error'],
    [GrpcStatus.INTERNAL, 'internal_error'],
    [GrpcStatus.UNIMPLEMENTED, 'internal_error'],
  ] as const)('maps a bare status %p to %s', (status, code) => {
    const decoded = fromGrpcError(serviceError(status, 'plain text'));
    expect(decoded.code).toBe(code);
    expect(decoded.message).toBe(
      code === 'service_unavailable' ? 'A backend service is unavailable' : ERROR_CODES[code].title,
    );
  });

  it.each([
    ['JSON that is not ours', '{"code":"teapot","message":"short and stout"}'],
    ['JSON null', 'null'],
    ['a JSON string', '"not_found"'],
    ['a code without message', '{"code":"not_found"}'],
    ['an inherited property name as code', '{"code":"toString","message":"x"}'],
  ])('falls back to the status for %s', (_label, details) => {
    const decoded = fromGrpcError(serviceError(GrpcStatus.UNAVAILABLE, details));
    expect(decoded.code).toBe('service_unavailable');
  });

  it('treats a non-gRPC error as internal_error', () => {
    const decoded = fromGrpcError(new TypeError('undefined is not a function'));
    expect(decoded.code).toBe('internal_error');
    expect(decoded.message).toBe('Internal error');
    expect(fromGrpcError('boom').code).toBe('internal_error');
  });
});

describe('over a real gRPC connection', () => {
  const identity = (value: Buffer): Buffer => value;
  const definition = {
    fail: {
      path: '/agentidp.test.Errors/Fail',
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
  let server: Server;
  let client: Client;
  let thrown: unknown;

  beforeAll(async () => {
    server = new Server();
    const implementation: UntypedServiceImplementation = {
      fail: (_call: unknown, callback: (error: ReturnType<typeof toGrpcError>) => void) =>
        callback(toGrpcError(thrown)),
    };
    server.addService(definition, implementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  function call(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        definition.fail.path,
        identity,
        identity,
        Buffer.alloc(0),
        new Metadata(),
        { deadline: Date.now() + 5_000 },
        (error, value) => (error ? reject(error) : resolve(value)),
      );
    });
  }

  it('a DomainError survives the hop', async () => {
    thrown = new DomainError('tier_limit_exceeded', 'Free tier allows 5 agents', {
      details: { tier: 'free', limit: 5, current: 5 },
    });
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    const decoded = fromGrpcError(error);
    expect(decoded.code).toBe('tier_limit_exceeded');
    expect(decoded.message).toBe('Free tier allows 5 agents');
    expect(decoded.details).toEqual({ tier: 'free', limit: 5, current: 5 });
  });

  it('an unexpected error arrives as INTERNAL without internals', async () => {
    thrown = new Error('relation "registry.agents" does not exist');
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as ServiceError).code).toBe(GrpcStatus.INTERNAL);
    expect(String((error as ServiceError).details)).not.toContain('registry.agents');
    const decoded = fromGrpcError(error);
    expect(decoded.code).toBe('internal_error');
    expect(decoded.message).toBe('Internal error');
  });

  it('an unreachable peer becomes service_unavailable', async () => {
    const dead = new Client('127.0.0.1:1', credentials.createInsecure());
    try {
      const error = await new Promise<unknown>((resolve) => {
        dead.makeUnaryRequest(
          definition.fail.path,
          identity,
          identity,
          Buffer.alloc(0),
          new Metadata(),
          { deadline: Date.now() + 2_000 },
          (e) => resolve(e),
        );
      });
      expect(fromGrpcError(error).code).toBe('service_unavailable');
    } finally {
      dead.close();
    }
  });
});
