import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG } from '@agentidp/nest-kit';
import type { Logger } from '@agentidp/shared/runtime';
import type { AuditConfig } from '../config';
import { AuditMetrics } from '../metrics/audit.metrics';
import { LogRepository } from './log.repository';
import { VerifyService } from './verify.service';

export interface IntegrityStatus {
  /** undefined until the first run has finished. */
  intact?: boolean;
  checkedAt?: Date;
  brokenOrganizations: number;
}

/**
 * The periodic verification job: every AUDIT_VERIFY_INTERVAL_MS (and once right after start) it
 * recomputes every organization's chain and sets `agentidp_audit_chain_integrity` (1 intact,
 * 0 broken). A broken chain is logged with the organization and the first broken event, so an
 * operator can act; the public compliance controls read the same result.
 */
@Injectable()
export class IntegrityMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private current: IntegrityStatus = { brokenOrganizations: 0 };

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AuditConfig,
    private readonly log: LogRepository,
    private readonly verifier: VerifyService,
    private readonly metrics: AuditMetrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ context: IntegrityMonitor.name });
  }

  status(): IntegrityStatus {
    return { ...this.current };
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every chain. Never throws: a failed pass leaves the last result in place. */
  async runOnce(): Promise<IntegrityStatus> {
    const started = Date.now();
    try {
      let broken = 0;
      for (const organizationId of await this.log.organizations()) {
        if (this.stopped) return this.status();
        const result = await this.verifier.verify(organizationId);
        if (!result.verified) {
          broken++;
          this.logger.error(
            {
              organization_id: organizationId,
              broken_at_event_id: result.brokenAtEventId,
              broken_at_sequence: result.brokenAtSequence,
              reason: result.reason,
            },
            'audit hash chain broken',
          );
        }
      }
      this.current = { intact: broken === 0, checkedAt: new Date(), brokenOrganizations: broken };
      this.metrics.chainIntegrity.set(broken === 0 ? 1 : 0);
      this.metrics.brokenChains.set(broken);
      this.metrics.lastVerification.set(Date.now() / 1000);
      this.metrics.verificationDuration.set((Date.now() - started) / 1000);
    } catch (error) {
      this.logger.warn({ err: error }, 'periodic chain verification failed; will retry');
    }
    return this.status();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().then(() => {
        this.running = undefined;
        this.schedule(this.config.verifyIntervalMs);
      });
    }, delayMs);
    // The job never keeps a process alive on its own.
    this.timer.unref();
  }
}
