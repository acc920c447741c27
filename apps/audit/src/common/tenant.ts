import { DomainError } from '@agentidp/shared/errors';
import { currentContext } from '@agentidp/shared/runtime';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The organization a query acts for, from the `x-organization-id` metadata the gateway sets from
 * the verified token. Never from a request field: nothing a client sends can select another
 * organization's log.
 */
export function requireOrganization(): string {
  const organizationId = currentContext()?.organizationId;
  if (!organizationId || !UUID.test(organizationId)) {
    throw new DomainError('invalid_token', 'The call carries no valid organization context');
  }
  return organizationId.toLowerCase();
}
