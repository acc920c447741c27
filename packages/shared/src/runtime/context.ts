import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** Who is calling and why, carried through a request (gateway) or an RPC (services). */
export interface RequestContext {
  requestId: string;
  organizationId?: string;
  agentId?: string;
  clientId?: string;
  scopes?: string[];
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** gRPC metadata keys used to carry the context from the gateway to the services. */
export const CONTEXT_METADATA = {
  requestId: 'x-request-id',
  organizationId: 'x-organization-id',
  agentId: 'x-agent-id',
  clientId: 'x-client-id',
  scopes: 'x-scopes',
} as const;

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Echo a client's request id if it is sane (no log injection, bounded length), else make one. */
export function requestIdFrom(candidate: unknown): string {
  return typeof candidate === 'string' && SANE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}
