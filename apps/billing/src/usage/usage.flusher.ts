import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG, STORE } from '@agentidp/nest-kit';
import type { Logger } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import { counterValue, dailyCounterKey, utcDay } from '@agentidp/shared/tiers';
import type { BillingConfig } from '../config';
import { UsageRepository, type UsageRow } from './usage.repository';

/** Organizations per store round trip and database statement. */
export const FLUSH_BATCH = 500;

const DAY_MS = 86_400_000;

/**
 * Persists the store's daily counters into `billing.usage_daily` every USAGE_FLUSH_INTERVAL_MS,
 * for today and yesterday of every organization active since yesterday. Counter keys outlive
 * their day by two days (COUNTER_RETENTION_MS), so the first flush after midnight still reads
 * yesterday's final values; a billing outage shorter than that loses nothing.
 */
@Injectable()
export class UsageFlusher implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly usage: UsageRepository,
    @Inject(STORE) private readonly store: KeyValueStore,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.usageFlushIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One flush; returns how many (organization, day) rows were written. */
  async flush(now: Date = new Date()): Promise<number> {
    const days = [utcDay(new Date(now.getTime() - DAY_MS)), utcDay(now)];
    let written = 0;
    let after: string | null = null;
    for (;;) {
      const orgs = await this.usage.activeSince(days[0]!, after, FLUSH_BATCH);
      if (orgs.length === 0) return written;
      written += await this.flushBatch(orgs, days);
      after = orgs[orgs.length - 1]!;
      if (orgs.length < FLUSH_BATCH) return written;
    }
  }

  private async flushBatch(orgs: readonly string[], days: readonly string[]): Promise<number> {
    const pairs = orgs.flatMap((organizationId) => days.map((day) => ({ organizationId, day })));
    const keys = pairs.flatMap(({ organizationId, day }) => {
      const at = new Date(`${day}T12:00:00Z`);
      return [dailyCounterKey('calls', organizationId, at), dailyCounterKey('tokens', organizationId, at)];
    });
    const values = await this.store.mget(keys);
    const rows: UsageRow[] = [];
    pairs.forEach((pair, i) => {
      const apiCalls = counterValue(values[2 * i]);
      const tokensIssued = counterValue(values[2 * i + 1]);
      if (apiCalls > 0 || tokensIssued > 0) rows.push({ ...pair, apiCalls, tokensIssued });
    });
    await this.usage.upsertMax(rows);
    return rows.length;
  }

  /** Never overlaps itself; failures are logged and retried on the next tick. */
  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.flush()
      .then(() => undefined)
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'usage flush failed; retrying next interval'),
      )
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
  }
}
