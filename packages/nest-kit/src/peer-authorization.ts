import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { throwError, type Observable } from 'rxjs';
import type { ServiceName } from '@agentidp/shared/config';
import { DomainError } from '@agentidp/shared/errors';
import { peerComponent, refusePeer } from '@agentidp/shared/grpc';
import { CONTEXT_METADATA, type Logger } from '@agentidp/shared/runtime';
import type { PeerCertificate } from 'node:tls';
import { HealthController } from './health.controller';
import type { ServiceConfig } from './service-config';
import { LOGGER, SERVICE_CONFIG } from './tokens';

/** Metadata that makes a service act for an organization or a principal. */
const TENANT_KEYS = [
  CONTEXT_METADATA.organizationId,
  CONTEXT_METADATA.agentId,
  CONTEXT_METADATA.clientId,
  CONTEXT_METADATA.scopes,
] as const;

/** What Nest hands a gRPC handler as its third argument: grpc-js's call, with its TLS peer. */
interface CallWithAuthContext {
  getAuthContext?: () => { sslPeerCertificate?: PeerCertificate } | null;
}

/** The component named by the verified client certificate of this call (mutual TLS). */
export function callerOf(call: unknown): ReturnType<typeof peerComponent> {
  const auth = (call as CallWithAuthContext | undefined)?.getAuthContext?.();
  return peerComponent(auth?.sslPeerCertificate);
}

/** Whether the call carries tenant or principal context. */
export function carriesTenant(metadata: unknown): boolean {
  return metadata instanceof Metadata && TENANT_KEYS.some((key) => metadata.get(key).length > 0);
}

/**
 * Runs before every RPC handler (and before the request context is read from metadata): the
 * caller is who its certificate says, and it must be one this service accepts, and one allowed
 * to send tenant context if it sent any (`GRPC_CALLERS`, `TENANT_SENDERS` in @agentidp/shared/grpc).
 * A refused call gets UNAUTHENTICATED or PERMISSION_DENIED before any handler runs, so nothing
 * is read or changed for it.
 */
@Injectable()
export class PeerAuthorizationInterceptor implements NestInterceptor {
  private readonly service: ServiceName;

  constructor(
    @Inject(SERVICE_CONFIG) config: Pick<ServiceConfig, 'name'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.service = config.name;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const rpc = context.switchToRpc();
    const peer = callerOf(context.getArgByIndex(2));
    // The health protocol tells nothing about any tenant: every certificate of the stack may ask
    // (the gateway's /ready, and each container's own health check with its own certificate).
    const refusal =
      context.getClass() === HealthController && peer
        ? undefined
        : refusePeer(this.service, peer, carriesTenant(rpc.getContext<unknown>()));
    if (!refusal) return next.handle();
    // One line, no stack: someone inside the network called what it may not.
    this.logger.warn(
      {
        service: this.service,
        peer: peer ?? null,
        handler: context.getHandler().name,
        reason: refusal.reason,
      },
      'internal call refused',
    );
    const error =
      refusal.status === 'unauthenticated'
        ? new DomainError('invalid_token', `Internal call refused: ${refusal.reason}`)
        : new DomainError('forbidden', `Internal call refused: ${refusal.reason}`);
    return throwError(() => error);
  }
}
