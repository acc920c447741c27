import { DomainError } from '@agentidp/shared/errors';
import { currentContext } from '@agentidp/shared/runtime';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The organization an RPC acts for, and what the caller's token may do. */
export interface Tenant {
  organizationId: string;
  /** Scopes of the caller's token (`x-scopes`), for grants only the holder of a scope may make. */
  scopes: readonly string[];
}

/**
 * The caller's organization, from the `x-organization-id` metadata the gateway sets from the
 * verified token. Never from a request body: nothing a client sends can select another tenant.
 * Every RPC but CreateOrganization and VerifyClientSecret needs one.
 */
export function requireTenant(): Tenant {
  const context = currentContext();
  const organizationId = context?.organizationId;
  if (!organizationId || !UUID.test(organizationId)) {
    throw new DomainError('invalid_token', 'The call carries no valid organization context');
  }
  return { organizationId: organizationId.toLowerCase(), scopes: context?.scopes ?? [] };
}
