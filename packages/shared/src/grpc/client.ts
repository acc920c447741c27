import {
  credentials,
  Metadata,
  type CallOptions,
  type ChannelOptions,
  type ClientUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { CONTEXT_METADATA, currentContext } from '../runtime/context';

/**
 * Channel options for every client: reconnect quickly after a peer restarts (grpc-js would
 * otherwise back off up to two minutes) and keep idle channels alive.
 */
export const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.min_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 5_000,
};

export const INSECURE = credentials.createInsecure();

/** Default deadline of a service-to-service call: a dead peer costs this much, never a hang. */
export const DEFAULT_DEADLINE_MS = 3_000;

export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

export interface CallOptionsLite {
  metadata?: Metadata;
  deadlineMs?: number;
}

/**
 * Promise wrapper for a generated grpc-js unary method, with a deadline on every call and the
 * current request context copied into metadata.
 *
 * @example
 * const res = await callUnary(client.appendEvents.bind(client), { events }, { deadlineMs: 2000 });
 */
export function callUnary<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  options: CallOptionsLite = {},
): Promise<Res> {
  const metadata = options.metadata ?? contextMetadata();
  const deadline = new Date(Date.now() + (options.deadlineMs ?? DEFAULT_DEADLINE_MS));
  return new Promise((resolve, reject) => {
    method(request, metadata, { deadline }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** Metadata carrying the current request context (request id, tenant, caller). */
export function contextMetadata(): Metadata {
  const metadata = new Metadata();
  const context = currentContext();
  if (!context) return metadata;
  metadata.set(CONTEXT_METADATA.requestId, context.requestId);
  if (context.organizationId) metadata.set(CONTEXT_METADATA.organizationId, context.organizationId);
  if (context.agentId) metadata.set(CONTEXT_METADATA.agentId, context.agentId);
  if (context.clientId) metadata.set(CONTEXT_METADATA.clientId, context.clientId);
  if (context.scopes) metadata.set(CONTEXT_METADATA.scopes, context.scopes.join(' '));
  return metadata;
}
