import type { ComplianceSummary, ControlDefinition, ControlResult, ControlStatus } from './compliance.types';

/** The controls the platform enforces, and what each rests on (the report adds evidence). */
export const CONTROLS: readonly ControlDefinition[] = [
  {
    id: 'access_control',
    name: 'Logical access control',
    description:
      'Every API call needs a signed access token (at+jwt, ES256/RS256) whose scopes cover the route; revoked tokens, credentials and agents are refused immediately.',
    criteria: ['CC6.1', 'CC6.3'],
  },
  {
    id: 'audit_logging',
    name: 'Audit log integrity',
    description:
      'Every change and token issuance reaches the audit log through transactional outboxes; the log is append-only in the database and HMAC-SHA-256 hash-chained per organization, and every chain is re-verified periodically.',
    criteria: ['CC7.2', 'CC7.3'],
  },
  {
    id: 'credential_management',
    name: 'Credential management',
    description:
      'Client secrets are shown once and stored only as HMAC-SHA-256 under a server pepper; credentials can be rotated (with an optional grace period) and revoked; signing keys are encrypted at rest.',
    criteria: ['CC6.1', 'CC6.2'],
  },
  {
    id: 'tenant_isolation',
    name: 'Tenant isolation',
    description:
      "The organization of every call comes only from the verified access token; every tenant query is filtered by it, and another organization's resource answers 404.",
    criteria: ['CC6.1', 'C1.1'],
  },
];

/** Worst status first: one failing control fails the report. */
const SEVERITY: readonly ControlStatus[] = ['failing', 'warning', 'unknown', 'passing'];

export function summarize(controls: readonly ControlResult[]): ComplianceSummary {
  const count = (status: ControlStatus) => controls.filter((c) => c.status === status).length;
  const overallStatus = SEVERITY.find((status) => count(status) > 0) ?? 'unknown';
  return {
    total: controls.length,
    passing: count('passing'),
    warning: count('warning'),
    failing: count('failing'),
    unknown: count('unknown'),
    overallStatus,
  };
}
