import { Inject, Injectable } from '@nestjs/common';
import { STORE, type Tenant } from '@agentidp/nest-kit';
import { DomainError, parseRequest } from '@agentidp/shared/errors';
import type { KeyValueStore } from '@agentidp/shared/store';
import { counterValue, dailyCounterKey, utcDay, type TierName } from '@agentidp/shared/tiers';
import { z } from 'zod';
import { OrgActivity } from '../tiers/activity';
import { defaultRecord, TiersRepository } from '../tiers/tiers.repository';
import { SubscriptionsRepository, type SubscriptionRecord } from '../stripe/subscriptions.repository';
import { UsageRepository } from './usage.repository';

export const DEFAULT_USAGE_DAYS = 30;
export const MAX_USAGE_DAYS = 90;
const DAY_MS = 86_400_000;

const daysSchema = z.object({
  days: z
    .number({ message: `must be an integer from 1 to ${MAX_USAGE_DAYS}` })
    .int({ message: `must be an integer from 1 to ${MAX_USAGE_DAYS}` })
    .min(1, { message: `must be an integer from 1 to ${MAX_USAGE_DAYS}` })
    .max(MAX_USAGE_DAYS, { message: `must be an integer from 1 to ${MAX_USAGE_DAYS}` }),
});

export interface UsageDay {
  date: string;
  apiCalls: number;
  tokensIssued: number;
}

export interface UsageReport {
  tier: TierName;
  days: UsageDay[];
  subscription: SubscriptionRecord | undefined;
}

/**
 * Usage history: persisted days from `billing.usage_daily`, with today and yesterday taken from
 * the live store counters when those are ahead (the flush runs once a minute, and yesterday's
 * last minute is flushed after midnight).
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly usage: UsageRepository,
    private readonly tiers: TiersRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly activity: OrgActivity,
    @Inject(STORE) private readonly store: KeyValueStore,
  ) {}

  async report(tenant: Tenant, days: number, now: Date = new Date()): Promise<UsageReport> {
    const parsed = parseRequest(daysSchema, { days: days === 0 ? DEFAULT_USAGE_DAYS : days }, 'request');
    const { organizationId } = tenant;
    await this.activity.touch(organizationId, now);
    const dates = Array.from({ length: parsed.days }, (_, i) =>
      utcDay(new Date(now.getTime() - (parsed.days - 1 - i) * DAY_MS)),
    );
    const stored = new Map(
      (await this.usage.history(organizationId, dates[0]!, dates[dates.length - 1]!)).map((row) => [
        row.day,
        row,
      ]),
    );
    const live = await this.liveCounters(organizationId, dates.slice(-2));
    const record = (await this.tiers.find(organizationId)) ?? defaultRecord(organizationId);
    return {
      tier: record.tier,
      days: dates.map((date) => ({
        date,
        apiCalls: Math.max(stored.get(date)?.apiCalls ?? 0, live.get(date)?.apiCalls ?? 0),
        tokensIssued: Math.max(stored.get(date)?.tokensIssued ?? 0, live.get(date)?.tokensIssued ?? 0),
      })),
      subscription: record.subscriptionId ? await this.subscriptions.find(record.subscriptionId) : undefined,
    };
  }

  private async liveCounters(
    organizationId: string,
    dates: readonly string[],
  ): Promise<Map<string, { apiCalls: number; tokensIssued: number }>> {
    const keys = dates.flatMap((date) => {
      const at = new Date(`${date}T12:00:00Z`);
      return [dailyCounterKey('calls', organizationId, at), dailyCounterKey('tokens', organizationId, at)];
    });
    let values: (string | null)[];
    try {
      values = await this.store.mget(keys);
    } catch (error) {
      throw new DomainError('service_unavailable', 'The usage counters are unavailable; try again later', {
        cause: error,
      });
    }
    return new Map(
      dates.map((date, i) => [
        date,
        { apiCalls: counterValue(values[2 * i]), tokensIssued: counterValue(values[2 * i + 1]) },
      ]),
    );
  }
}
