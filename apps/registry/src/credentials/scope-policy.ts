import { DomainError, type FieldError } from '@agentidp/shared/errors';
import { isManagementScope, OPENID_SCOPE } from '@agentidp/shared/identity';

/** The scope that lets a caller grant management scopes to an agent. */
export const GRANT_MANAGEMENT_SCOPE = 'admin:orgs';

export interface ScopeRequest {
  /** Requested scopes; empty means the agent's capabilities. */
  requested: readonly string[];
  /** The agent's capabilities. */
  capabilities: readonly string[];
  /** Scopes of the caller's token. */
  callerScopes: readonly string[];
}

/**
 * The scopes a new credential gets. Each must be one of the agent's capabilities, `openid`, or a
 * management scope — and a management scope only when the caller holds `admin:orgs`, whatever
 * the agent's capabilities say (a capability named like a management scope grants nothing).
 * Throws `forbidden` naming the first such scope, or `validation_error` naming each bad one.
 */
export function resolveCredentialScopes(request: ScopeRequest): string[] {
  const defaulted = request.requested.length === 0;
  const scopes = [...new Set(defaulted ? request.capabilities : request.requested)];
  const path = (i: number) => (defaulted ? 'scopes' : `scopes[${request.requested.indexOf(scopes[i]!)}]`);
  if (scopes.length === 0) {
    throw new DomainError('validation_error', 'Invalid credential: scopes must list at least one scope', {
      errors: [{ path: 'scopes', message: 'must list at least one scope (the agent has no capabilities)' }],
    });
  }

  const mayGrantManagement = request.callerScopes.includes(GRANT_MANAGEMENT_SCOPE);
  const withheld = scopes.find((scope) => isManagementScope(scope) && !mayGrantManagement);
  if (withheld !== undefined) {
    throw new DomainError(
      'forbidden',
      `Granting the management scope '${withheld}' requires a token with '${GRANT_MANAGEMENT_SCOPE}'`,
      { details: { scope: withheld } },
    );
  }

  const capabilities = new Set(request.capabilities);
  const errors: FieldError[] = [];
  scopes.forEach((scope, i) => {
    if (isManagementScope(scope) || scope === OPENID_SCOPE || capabilities.has(scope)) return;
    errors.push({
      path: path(i),
      message: `'${scope}' is not one of the agent's capabilities, openid or a management scope`,
    });
  });
  if (errors.length > 0) {
    throw new DomainError(
      'validation_error',
      `Invalid credential: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      { errors },
    );
  }
  return scopes;
}
