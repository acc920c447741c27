import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@agentidp/nest-kit';
import { DomainError, FieldErrors } from '@agentidp/shared/errors';
import type { AuditConfig } from '../config';
import { AnalyticsRepository } from './analytics.repository';
import type { ActivityCell, AgentUsage, DailyCount } from './analytics.types';

const DAY_MS = 86_400_000;
/** `days` of the analytics queries: 1–90 (0 on the wire means the default). */
const MAX_DAYS = 90;
const DEFAULT_DAYS = 30;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
/** Most agents listed in one summary (the directory is per organization, tiers cap it far lower). */
export const MAX_SUMMARY_AGENTS = 1_000;

/**
 * Analytics read from counters kept at append time (see AnalyticsRepository.record), so each
 * request costs a few index lookups however large the log is. All days are UTC.
 */
@Injectable()
export class AnalyticsService {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AuditConfig,
    private readonly repository: AnalyticsRepository,
  ) {}

  /** Tokens issued per day over the last `days` days (today included), every day present. */
  async tokenTrend(
    organizationId: string,
    days: number,
    now = new Date(),
  ): Promise<{ days: number; data: DailyCount[] }> {
    this.assertEnabled();
    const n = parseDays(days);
    const last = utcDay(now);
    const first = utcDay(new Date(now.getTime() - (n - 1) * DAY_MS));
    return { days: n, data: await this.repository.dailySeries(organizationId, 'token.issued', first, last) };
  }

  /** Non-zero (day of week, hour) cells of what agents did over the last `days` days. */
  async activity(
    organizationId: string,
    days: number,
    now = new Date(),
  ): Promise<{ days: number; data: ActivityCell[] }> {
    this.assertEnabled();
    const n = parseDays(days);
    const since = new Date(`${utcDay(new Date(now.getTime() - (n - 1) * DAY_MS))}T00:00:00.000Z`);
    return { days: n, data: await this.repository.activity(organizationId, since) };
  }

  /** Per-agent usage in one month (default: the current UTC month), most tokens first. */
  async agentSummary(
    organizationId: string,
    month: string,
    now = new Date(),
  ): Promise<{ month: string; agents: AgentUsage[] }> {
    this.assertEnabled();
    const chosen = month || now.toISOString().slice(0, 7);
    if (!MONTH.test(chosen)) {
      throw new DomainError('validation_error', 'Invalid query: month must be YYYY-MM', {
        errors: [{ path: 'month', message: 'must be a month as YYYY-MM' }],
      });
    }
    return {
      month: chosen,
      agents: await this.repository.agentUsage(organizationId, `${chosen}-01`, MAX_SUMMARY_AGENTS),
    };
  }

  private assertEnabled(): void {
    if (!this.config.analyticsEnabled) {
      throw new DomainError('not_found', 'Analytics is not enabled on this instance');
    }
  }
}

function parseDays(days: number): number {
  if (days === 0) return DEFAULT_DAYS;
  const errors = new FieldErrors();
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    errors.add('days', `must be an integer from 1 to ${MAX_DAYS}`);
  }
  errors.throwIfAny('query');
  return days;
}

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
