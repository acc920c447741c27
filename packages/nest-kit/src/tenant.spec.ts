import { DomainError } from '@agentidp/shared/errors';
import { runWithContext } from '@agentidp/shared/runtime';
import { requireTenant } from './tenant';

const ORG = '0b6c7a52-6c0e-4c8e-9d3e-5f2a1b7c9d10';

describe(requireTenant.name, () => {
  it("is the caller's organization, lower-cased, with the token's scopes", () => {
    const tenant = runWithContext(
      { requestId: 'r1', organizationId: ORG.toUpperCase(), scopes: ['agents:read'] },
      requireTenant,
    );
    expect(tenant).toEqual({ organizationId: ORG, scopes: ['agents:read'] });
  });

  it.each([
    ['no context at all', undefined],
    ['no organization', { requestId: 'r1' }],
    ['an organization that is no UUID', { requestId: 'r1', organizationId: "x' OR '1'='1" }],
  ])('refuses a call with %s (invalid_token)', (_, context) => {
    const call = () => (context ? runWithContext(context, requireTenant) : requireTenant());
    expect(call).toThrow(DomainError);
    expect(call).toThrow(expect.objectContaining({ code: 'invalid_token' }));
  });
});
