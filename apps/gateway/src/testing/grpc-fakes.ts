import {
  Metadata,
  status as GrpcStatus,
  type CallOptions,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import { DomainError, toGrpcError } from '@agentidp/shared/errors';

/** What a fake method answers: the response, or a ServiceError the client's callback receives. */
export type Answer<Req, Res> = (
  request: Req,
  metadata: Metadata,
) => Res | ServiceError | Promise<Res | ServiceError>;

/**
 * One unary method of a generated grpc-js client, called as `callUnary` calls it (request,
 * metadata, options, callback). It records every call and answers asynchronously, like a channel.
 */
export interface FakeUnary<Req, Res> {
  (
    request: Req,
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: (error: ServiceError | null, response?: Res) => void,
  ): object;
  readonly calls: { request: Req; metadata: Metadata }[];
  /** Replaceable: a test changes what the service says from then on. */
  answer: Answer<Req, Res>;
}

export function fakeUnary<Req, Res>(answer: Answer<Req, Res>): FakeUnary<Req, Res> {
  const calls: { request: Req; metadata: Metadata }[] = [];
  const method = ((request, metadata, _options, callback) => {
    calls.push({ request, metadata });
    setImmediate(() => {
      Promise.resolve()
        .then(() => method.answer(request, metadata))
        .then(
          (result) => (isServiceError(result) ? callback(result) : callback(null, result)),
          (error: unknown) => callback(unavailable(`fake answer threw: ${String(error)}`)),
        );
    });
    return {};
  }) as FakeUnary<Req, Res>;
  Object.defineProperty(method, 'calls', { value: calls });
  method.answer = answer;
  return method;
}

/**
 * A generated grpc-js client (`AuthServiceClient`, …) made of the fake methods given. Any other
 * method throws at once, so a test notices a call it did not expect; `close()` does nothing.
 */
export function fakeClient<C extends Client>(name: string, methods: object): C {
  return new Proxy(methods, {
    get(target, property) {
      if (property in target) return Reflect.get(target, property);
      if (property === 'close') return () => undefined;
      if (typeof property === 'symbol' || property === 'then') return undefined;
      return () => {
        throw new Error(`unexpected call to ${name}.${property}`);
      };
    },
  }) as C;
}

/** The ServiceError of an unreachable service (what grpc-js reports when nothing listens). */
export function unavailable(details = 'No connection established'): ServiceError {
  return Object.assign(new Error(`14 UNAVAILABLE: ${details}`), {
    code: GrpcStatus.UNAVAILABLE,
    details,
    metadata: new Metadata(),
  });
}

/** The ServiceError a service answers for a DomainError (the shared wire format). */
export function domainFailure(error: DomainError): ServiceError {
  return Object.assign(new Error(error.message), toGrpcError(error));
}

function isServiceError(value: unknown): value is ServiceError {
  return value instanceof Error && 'code' in value;
}
