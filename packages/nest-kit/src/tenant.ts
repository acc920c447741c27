import { DomainError } from '@agentidp/shared/errors';
import { isUuid } from '@agentidp/shared/identity';
import { currentContext } from '@agentidp/shared/runtime';

/** The organization an RPC acts for, and what the caller's token may do. */
export interface Tenant {
  organizationId: string;
  /** Scopes of the caller's token (`x-scopes`), for grants only the holder of a scope may make. */
  scopes: readonly string[];
}

/**
 * The caller's organization, from the `x-organization-id` metadata that the gateway sets from the
 * verified token (or that a service sets for an organization it has authenticated itself, as auth
 * does when it asks billing for a tier). Never from a request field: nothing a client sends can
 * select another tenant, and every tenant query is scoped by this id. Lower-cased, so it compares
 * equal to the ids Postgres returns.
 *
 * RPCs that run before any organization is known (signup, client authentication, the audit
 * intake) do not call it.
 */
export function requireTenant(): Tenant {
  const context = currentContext();
  const organizationId = context?.organizationId;
  if (!isUuid(organizationId)) {
    throw new DomainError('invalid_token', 'The call carries no valid organization context');
  }
  return { organizationId: organizationId.toLowerCase(), scopes: context?.scopes ?? [] };
}
