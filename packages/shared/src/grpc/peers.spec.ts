import { GRPC_CALLERS, refusePeer, TENANT_SENDERS } from './peers';

describe(refusePeer.name, () => {
  it('refuses a call without a certificate of the stack as unauthenticated', () => {
    expect(refusePeer('registry', undefined, false)).toMatchObject({ status: 'unauthenticated' });
  });

  it('accepts the gateway everywhere, with tenant context', () => {
    for (const service of ['registry', 'auth', 'audit', 'billing'] as const) {
      expect(refusePeer(service, 'gateway', true)).toBeUndefined();
    }
  });

  it('lets auth send tenant context to the registry and billing, but not the registry to auth', () => {
    expect(refusePeer('registry', 'auth', true)).toBeUndefined();
    expect(refusePeer('billing', 'auth', true)).toBeUndefined();
    expect(refusePeer('auth', 'registry', true)).toMatchObject({ status: 'denied' });
  });

  it('lets every relay append to audit without tenant context, never with it', () => {
    for (const relay of ['registry', 'auth', 'billing'] as const) {
      expect(refusePeer('audit', relay, false)).toBeUndefined();
      expect(refusePeer('audit', relay, true)).toMatchObject({
        status: 'denied',
        reason: `${relay} may not send tenant context to audit`,
      });
    }
  });

  it('refuses a component that is no caller of the service at all, with or without context', () => {
    expect(refusePeer('registry', 'audit', false)).toMatchObject({ reason: 'audit does not call registry' });
    expect(refusePeer('billing', 'audit', true)).toMatchObject({ status: 'denied' });
  });

  it('never lets a component send tenant context where it may not call', () => {
    for (const [service, senders] of Object.entries(TENANT_SENDERS)) {
      const callers: readonly string[] = GRPC_CALLERS[service as keyof typeof GRPC_CALLERS];
      for (const sender of senders) expect(callers).toContain(sender);
    }
  });
});
