import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG } from '@agentidp/nest-kit';
import { DomainError } from '@agentidp/shared/errors';
import type { Logger } from '@agentidp/shared/runtime';
import { AnalyticsRepository } from '../analytics/analytics.repository';
import type { AuditConfig } from '../config';
import { IntegrityMonitor } from '../log/integrity.monitor';
import { VerifyService } from '../log/verify.service';
import { ComplianceRepository } from './compliance.repository';
import type { ComplianceReport, ControlResult, ControlStatus } from './compliance.types';
import { CONTROLS, summarize } from './controls';

const DAY_MS = 86_400_000;
/** How long a report is served from the store: 5 min per organization (`X-Cache` tells hits). */
export const REPORT_TTL_MS = 5 * 60_000;
/** Credential hygiene thresholds of the credential_management control. */
export const EXPIRY_WARNING_DAYS = 7;
export const MAX_CREDENTIAL_AGE_DAYS = 90;

/**
 * Compliance: the public list of controls (platform-wide, no tenant data) and each
 * organization's report, whose evidence comes from its own audit log: the chain verification,
 * the state of the append-only triggers, and the counters kept at append time.
 */
@Injectable()
export class ComplianceService {
  private readonly logger: Logger;
  private readonly startedAt = new Date();

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AuditConfig,
    private readonly repository: ComplianceRepository,
    private readonly analytics: AnalyticsRepository,
    private readonly verifier: VerifyService,
    private readonly monitor: IntegrityMonitor,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ context: ComplianceService.name });
  }

  /**
   * Public and never gated by COMPLIANCE_ENABLED. audit_logging reports the last periodic
   * verification of every chain; the other controls are mechanisms enforced by the code this
   * process runs, in force since it started.
   */
  listControls(): ControlResult[] {
    const integrity = this.monitor.status();
    return CONTROLS.map((control) => {
      if (control.id !== 'audit_logging') {
        return { ...control, status: 'passing', lastChecked: this.startedAt, evidence: {} };
      }
      const status: ControlStatus =
        integrity.intact === undefined ? 'unknown' : integrity.intact ? 'passing' : 'failing';
      return { ...control, status, lastChecked: integrity.checkedAt ?? null, evidence: {} };
    });
  }

  /** The organization's report: from the store when generated in the last five minutes. */
  async report(organizationId: string, now = new Date()): Promise<ComplianceReport> {
    if (!this.config.complianceEnabled) {
      throw new DomainError('not_found', 'Compliance reporting is not enabled on this instance');
    }
    const cached = await this.repository.cachedReport(organizationId).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'compliance report cache unreadable; generating');
      return null;
    });
    if (cached) return { ...reviveReport(cached), fromCache: true };

    const report = await this.generate(organizationId, now);
    await this.repository
      .cacheReport(organizationId, JSON.stringify(report), REPORT_TTL_MS)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'compliance report not cached'));
    return report;
  }

  private async generate(organizationId: string, now: Date): Promise<ComplianceReport> {
    const day = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY_MS).toISOString().slice(0, 10);
    const [chain, disabledTriggers, last30, last90, credentials] = await Promise.all([
      this.verifier.verify(organizationId),
      this.repository.disabledTriggers(),
      this.analytics.actionTotals(organizationId, ['token.issued', 'auth.failed'], day(29)),
      this.analytics.actionTotals(
        organizationId,
        ['credential.generated', 'credential.rotated', 'credential.revoked'],
        day(89),
      ),
      this.analytics.credentialStats(organizationId, now, EXPIRY_WARNING_DAYS, MAX_CREDENTIAL_AGE_DAYS),
    ]);
    const definition = (id: ControlResult['id']) => CONTROLS.find((c) => c.id === id)!;
    const control = (
      id: ControlResult['id'],
      status: ControlStatus,
      evidence: Record<string, unknown>,
    ): ControlResult => ({ ...definition(id), status, lastChecked: now, evidence });

    const controls: ControlResult[] = [
      control('access_control', 'passing', {
        token_issuances_30d: last30['token.issued'],
        failed_client_authentications_30d: last30['auth.failed'],
        credentials_with_management_scopes: credentials.withManagementScopes,
        token_format: 'RFC 9068 at+jwt, ES256/RS256, scope checked per route',
      }),
      control('audit_logging', chain.verified && disabledTriggers.length === 0 ? 'passing' : 'failing', {
        chain_verified: chain.verified,
        checked_count: chain.checkedCount,
        last_sequence: chain.lastSequence,
        broken_at_event_id: chain.brokenAtEventId ?? null,
        break_reason: chain.reason ?? null,
        append_only_triggers_enabled: disabledTriggers.length === 0,
        disabled_triggers: disabledTriggers,
        chain_algorithm: 'HMAC-SHA-256 over canonical JSON + previous hash, per organization',
      }),
      control(
        'credential_management',
        credentials.expiringSoon > 0 || credentials.olderThanMaxAge > 0 ? 'warning' : 'passing',
        {
          active_credentials: credentials.active,
          expiring_within_days: { days: EXPIRY_WARNING_DAYS, count: credentials.expiringSoon },
          older_than_days: { days: MAX_CREDENTIAL_AGE_DAYS, count: credentials.olderThanMaxAge },
          oldest_active_generated_at: credentials.oldestGeneratedAt?.toISOString() ?? null,
          generated_90d: last90['credential.generated'],
          rotated_90d: last90['credential.rotated'],
          revoked_90d: last90['credential.revoked'],
          secret_storage: 'HMAC-SHA-256 under a server pepper; shown once',
        },
      ),
      control('tenant_isolation', 'passing', {
        organization_source: 'verified access token (gRPC metadata), never a request field',
        events_in_organization_chain: chain.lastSequence,
        cross_tenant_reads: 'answered 404 not_found',
      }),
    ];
    return { organizationId, generatedAt: now, controls, summary: summarize(controls), fromCache: false };
  }
}

/** A cached report: the JSON of a ComplianceReport, its dates as ISO strings. */
function reviveReport(json: string): ComplianceReport {
  const raw = JSON.parse(json) as Omit<ComplianceReport, 'generatedAt' | 'controls'> & {
    generatedAt: string;
    controls: (Omit<ControlResult, 'lastChecked'> & { lastChecked: string | null })[];
  };
  return {
    ...raw,
    generatedAt: new Date(raw.generatedAt),
    controls: raw.controls.map((c) => ({
      ...c,
      lastChecked: c.lastChecked ? new Date(c.lastChecked) : null,
    })),
  };
}
