import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import {
  CONTEXT_METADATA,
  requestIdFrom,
  runWithContext,
  type RequestContext,
} from '@agentidp/shared/runtime';

function first(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads the caller's context from gRPC metadata. Services trust only this, never a body field. */
export function contextFromMetadata(metadata: Metadata): RequestContext {
  const scopes = first(metadata, CONTEXT_METADATA.scopes);
  return {
    requestId: requestIdFrom(first(metadata, CONTEXT_METADATA.requestId)),
    organizationId: first(metadata, CONTEXT_METADATA.organizationId),
    agentId: first(metadata, CONTEXT_METADATA.agentId),
    clientId: first(metadata, CONTEXT_METADATA.clientId),
    scopes: scopes ? scopes.split(' ') : undefined,
  };
}

/**
 * Runs each RPC handler inside the request context from its metadata, so logs carry the request
 * id and outbox events carry the actor. The subscription itself runs inside the context, because
 * an Observable's work starts on subscribe, not when the handler returns it.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const metadata = context.switchToRpc().getContext<unknown>();
    const requestContext =
      metadata instanceof Metadata ? contextFromMetadata(metadata) : { requestId: requestIdFrom(undefined) };
    return new Observable((subscriber) =>
      runWithContext(requestContext, () => next.handle().subscribe(subscriber)),
    );
  }
}
