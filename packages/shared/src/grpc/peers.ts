import type { ServiceName } from '../config/ports';
import type { GrpcComponent } from './tls';

/**
 * Who may call each service over internal gRPC, identified by the certificate it presented. The
 * call graph of the stack and nothing more: the gateway calls everything; auth verifies client
 * secrets at the registry; the registry and auth read tiers from billing; every service with an
 * outbox relays its events to audit.
 */
export const GRPC_CALLERS: Readonly<Record<ServiceName, readonly GrpcComponent[]>> = {
  registry: ['gateway', 'auth'],
  auth: ['gateway'],
  audit: ['gateway', 'registry', 'auth', 'billing'],
  billing: ['gateway', 'registry', 'auth'],
};

/**
 * Who may send tenant and principal context (`x-organization-id`, `x-agent-id`, `x-client-id`,
 * `x-scopes`) to each service. A service acts for the organization in that metadata, so only a
 * caller that established it may send it: the gateway from a verified token, auth for a client it
 * authenticated, the registry and auth for the organization whose tier they enforce. The relays
 * send none: audit takes each event's organization from the event.
 */
export const TENANT_SENDERS: Readonly<Record<ServiceName, readonly GrpcComponent[]>> = {
  registry: ['gateway', 'auth'],
  auth: ['gateway'],
  audit: ['gateway'],
  billing: ['gateway', 'registry', 'auth'],
};

/** Refused calls: no certificate of the stack, or a caller (or context) this service does not accept. */
export type PeerRefusal =
  { status: 'unauthenticated'; reason: string } | { status: 'denied'; reason: string };

/** Whether `service` accepts a call from `peer`, carrying tenant context or not; undefined: accepted. */
export function refusePeer(
  service: ServiceName,
  peer: GrpcComponent | undefined,
  carriesTenant: boolean,
): PeerRefusal | undefined {
  if (!peer)
    return { status: 'unauthenticated', reason: 'the caller presented no certificate of this stack' };
  if (!GRPC_CALLERS[service].includes(peer)) {
    return { status: 'denied', reason: `${peer} does not call ${service}` };
  }
  if (carriesTenant && !TENANT_SENDERS[service].includes(peer)) {
    return { status: 'denied', reason: `${peer} may not send tenant context to ${service}` };
  }
  return undefined;
}
