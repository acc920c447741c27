import { DomainError } from '@agentidp/shared/errors';
import { currentContext } from '@agentidp/shared/runtime';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The organization an RPC acts for. */
export interface Tenant {
  organizationId: string;
}

/**
 * The caller's organization, from the `x-organization-id` metadata the gateway sets from the
 * verified token (or a service sets for an organization it has authenticated). Never from a
 * request field: nothing a client sends can select another tenant.
 */
export function requireTenant(): Tenant {
  const organizationId = currentContext()?.organizationId;
  if (!organizationId || !UUID.test(organizationId)) {
    throw new DomainError('invalid_token', 'The call carries no valid organization context');
  }
  return { organizationId: organizationId.toLowerCase() };
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
