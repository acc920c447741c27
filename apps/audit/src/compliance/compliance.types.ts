export type ControlStatus = 'passing' | 'warning' | 'failing' | 'unknown';
export type ControlId = 'access_control' | 'audit_logging' | 'credential_management' | 'tenant_isolation';

export interface ControlDefinition {
  id: ControlId;
  name: string;
  description: string;
  /** SOC 2 trust services criteria the control maps to. */
  criteria: string[];
}

export interface ControlResult extends ControlDefinition {
  status: ControlStatus;
  lastChecked: Date | null;
  evidence: Record<string, unknown>;
}

export interface ComplianceSummary {
  total: number;
  passing: number;
  warning: number;
  failing: number;
  unknown: number;
  overallStatus: ControlStatus;
}

export interface ComplianceReport {
  organizationId: string;
  generatedAt: Date;
  controls: ControlResult[];
  summary: ComplianceSummary;
  fromCache: boolean;
}
