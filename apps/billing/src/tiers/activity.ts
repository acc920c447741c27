import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@agentidp/nest-kit';
import type { Logger } from '@agentidp/shared/runtime';
import { utcDay } from '@agentidp/shared/tiers';
import { TiersRepository } from './tiers.repository';

/**
 * Remembers which organizations were active each UTC day, so the usage flush knows whose store
 * counters to persist. Every counting path resolves the org's tier through billing first
 * (GetOrgTier behind the callers' caches), so "asked for its tier" covers "has counters".
 * One write per organization per day and process; a failed write is retried on the next call.
 */
@Injectable()
export class OrgActivity {
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly tiers: TiersRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async touch(organizationId: string, now: Date): Promise<void> {
    const day = utcDay(now);
    if (this.seen.get(organizationId) === day) return;
    try {
      await this.tiers.markSeen(organizationId, day);
      // A new day: forget yesterday's marks so the map holds at most one day of organizations.
      if (![...this.seen.values()].every((d) => d === day)) this.seen.clear();
      this.seen.set(organizationId, day);
    } catch (error) {
      // Reading a tier must not fail because the activity mark could not be written.
      this.logger.warn({ err: error, organizationId }, 'could not record organization activity');
    }
  }
}
