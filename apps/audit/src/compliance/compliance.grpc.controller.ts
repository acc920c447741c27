import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { requireTenant } from '@agentidp/nest-kit';
import {
  AUDIT_SERVICE_NAME,
  type AuditServiceController,
  type ComplianceControl,
  type GetComplianceReportResponse,
  type ListComplianceControlsResponse,
} from '@agentidp/proto/nest/agentid/audit/v1/audit';
import { toTimestamp } from '@agentidp/shared/grpc';
import { ComplianceService } from './compliance.service';
import type { ControlResult } from './compliance.types';

type ComplianceRpcs = 'listComplianceControls' | 'getComplianceReport';

/** The compliance RPCs: proto ↔ domain; the report is for the caller's organization. */
@Controller()
export class ComplianceGrpcController implements Pick<AuditServiceController, ComplianceRpcs> {
  constructor(private readonly compliance: ComplianceService) {}

  /** Public: platform-wide statuses, no tenant context and no tenant data. */
  @GrpcMethod(AUDIT_SERVICE_NAME, 'listComplianceControls')
  listComplianceControls(): ListComplianceControlsResponse {
    return { controls: this.compliance.listControls().map(toMessage) };
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'getComplianceReport')
  async getComplianceReport(): Promise<GetComplianceReportResponse> {
    const report = await this.compliance.report(requireTenant().organizationId);
    return {
      organizationId: report.organizationId,
      generatedAt: toTimestamp(report.generatedAt),
      controls: report.controls.map(toMessage),
      summary: report.summary,
      fromCache: report.fromCache,
    };
  }
}

function toMessage(control: ControlResult): ComplianceControl {
  return {
    id: control.id,
    name: control.name,
    status: control.status,
    lastChecked: control.lastChecked ? toTimestamp(control.lastChecked) : null,
    description: control.description,
    criteria: control.criteria,
    evidenceJson: Object.keys(control.evidence).length > 0 ? JSON.stringify(control.evidence) : '',
  };
}
