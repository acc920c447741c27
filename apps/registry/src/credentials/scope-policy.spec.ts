import { DomainError } from '@agentidp/shared/errors';
import { resolveCredentialScopes } from './scope-policy';

const capabilities = ['documents:read', 'documents:write'];
const writer = ['agents:read', 'agents:write'];
const orgAdmin = ['admin:orgs', 'agents:write'];

function rejection(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe(resolveCredentialScopes.name, () => {
  it("defaults to the agent's capabilities", () => {
    expect(resolveCredentialScopes({ requested: [], capabilities, callerScopes: writer })).toEqual(
      capabilities,
    );
  });

  it('accepts capabilities and openid, dropping repeats', () => {
    expect(
      resolveCredentialScopes({
        requested: ['openid', 'documents:read', 'openid'],
        capabilities,
        callerScopes: writer,
      }),
    ).toEqual(['openid', 'documents:read']);
  });

  it('grants a management scope only to a caller holding admin:orgs, naming the scope otherwise', () => {
    const denied = rejection(() =>
      resolveCredentialScopes({
        requested: ['documents:read', 'billing:read'],
        capabilities,
        callerScopes: writer,
      }),
    );
    expect(denied.code).toBe('forbidden');
    expect(denied.details).toEqual({ scope: 'billing:read' });
    expect(
      resolveCredentialScopes({ requested: ['billing:read'], capabilities, callerScopes: orgAdmin }),
    ).toEqual(['billing:read']);
  });

  it('a capability named like a management scope does not let a non-admin grant it', () => {
    const denied = rejection(() =>
      resolveCredentialScopes({ requested: [], capabilities: ['admin:orgs'], callerScopes: writer }),
    );
    expect(denied.code).toBe('forbidden');
  });

  it('names every scope that is neither a capability, openid nor a management scope', () => {
    const invalid = rejection(() =>
      resolveCredentialScopes({
        requested: ['documents:read', 'payments:send', 'email'],
        capabilities,
        callerScopes: orgAdmin,
      }),
    );
    expect(invalid.code).toBe('validation_error');
    expect(invalid.errors?.map((e) => e.path)).toEqual(['scopes[1]', 'scopes[2]']);
  });

  it('refuses a credential without scopes (the org-admin agent has no capabilities)', () => {
    const empty = rejection(() =>
      resolveCredentialScopes({ requested: [], capabilities: [], callerScopes: orgAdmin }),
    );
    expect(empty.code).toBe('validation_error');
    expect(empty.errors?.[0]?.path).toBe('scopes');
  });
});
