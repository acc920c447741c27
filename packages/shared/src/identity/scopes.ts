/**
 * The scope vocabulary: one list used by the registry (what may be granted) and
 * the gateway (what each route requires).
 */
export const MANAGEMENT_SCOPES = [
  'admin:orgs',
  'agents:read',
  'agents:write',
  'tokens:read',
  'audit:read',
  'webhooks:read',
  'webhooks:write',
  'billing:read',
  'billing:write',
] as const;

export type ManagementScope = (typeof MANAGEMENT_SCOPES)[number];

/** Requesting it adds an id_token to the token response. */
export const OPENID_SCOPE = 'openid';

/** An agent capability: `resource:action`, lower case, e.g. `documents:read`, `invoices:*`. */
export const CAPABILITY_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}:[a-z0-9*][a-z0-9_.*-]{0,63}$/;

const MANAGEMENT = new Set<string>(MANAGEMENT_SCOPES);

export function isManagementScope(scope: string): scope is ManagementScope {
  return MANAGEMENT.has(scope);
}

/** Splits an OAuth `scope` parameter (space-separated) into distinct scopes, in order. */
export function parseScope(scope: string | undefined): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(' ').filter((s) => s !== ''))];
}
