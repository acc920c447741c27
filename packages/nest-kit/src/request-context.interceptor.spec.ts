import { Metadata } from '@grpc/grpc-js';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { Observable, firstValueFrom } from 'rxjs';
import { currentContext, type RequestContext } from '@agentidp/shared/runtime';
import { RequestContextInterceptor, contextFromMetadata } from './request-context.interceptor';

function rpcContext(metadata: unknown): ExecutionContext {
  return { switchToRpc: () => ({ getContext: () => metadata }) } as unknown as ExecutionContext;
}

/** A handler whose work happens on subscribe, like a real Nest handler's observable. */
const captureHandler: CallHandler = {
  handle: () =>
    new Observable<RequestContext | undefined>((sub) => {
      setImmediate(() => {
        sub.next(currentContext());
        sub.complete();
      });
    }),
};

describe(RequestContextInterceptor.name, () => {
  it('runs the handler inside the context carried by gRPC metadata', async () => {
    const metadata = new Metadata();
    metadata.set('x-request-id', 'req-42');
    metadata.set('x-organization-id', 'org-1');
    metadata.set('x-client-id', 'client-1');
    metadata.set('x-agent-id', 'agent-1');
    metadata.set('x-scopes', 'agents:read agents:write');
    const seen = await firstValueFrom(
      new RequestContextInterceptor().intercept(rpcContext(metadata), captureHandler),
    );
    expect(seen).toEqual({
      requestId: 'req-42',
      organizationId: 'org-1',
      clientId: 'client-1',
      agentId: 'agent-1',
      scopes: ['agents:read', 'agents:write'],
    });
  });

  it('generates a request id when none (or an unsafe one) is sent', () => {
    const metadata = new Metadata();
    metadata.set('x-request-id', 'has spaces and "quotes" and is far too long'.repeat(5));
    const context = contextFromMetadata(metadata);
    expect(context.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.organizationId).toBeUndefined();
  });
});
