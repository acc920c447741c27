import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CLOCK, LOGGER, POOL, SERVICE_CONFIG, type Clock } from '@agentidp/nest-kit';
import { withTransaction, type Pool } from '@agentidp/shared/db';
import { createOutboundClient, OutboundError, type OutboundClient } from '@agentidp/shared/outbound';
import type { Logger } from '@agentidp/shared/runtime';
import { AppendService } from '../append/append.service';
import type { AuditConfig } from '../config';
import type { AuditEventRecord, StoredEvent } from '../events/events.types';
import { AuditMetrics } from '../metrics/audit.metrics';
import { retryDelayMs } from './backoff';
import { openSecret, secretSealingKey, signatureHeaders } from './secrets';
import type { ClaimedDelivery, DeliveryStatus } from './webhook.types';
import { WebhooksRepository, type AttemptRecord } from './webhooks.repository';

/** A receiver has this long to answer (2xx) before the attempt counts as failed. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Deliveries in flight in one worker, over every webhook. */
const MAX_IN_FLIGHT = 32;
/** Deliveries in flight to one webhook: a slow or dead receiver holds at most these slots. */
const MAX_IN_FLIGHT_PER_WEBHOOK = 4;
/** A claim outlives the attempt's deadline, so no other worker sends it while it is in flight. */
const LEASE_SECONDS = DELIVERY_TIMEOUT_MS / 1000 + 20;
const POLL_MS = 250;
const GAUGE_EVERY_MS = 5_000;
/** Answers are not read beyond this: only the status counts. */
const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_ERROR_LENGTH = 500;

interface Outcome {
  status: DeliveryStatus;
  responseStatus: number | null;
  error: string | null;
  /** The receiver answered 410 Gone: it wants no more deliveries. */
  gone: boolean;
}

/**
 * The webhook delivery worker: claims due deliveries (SKIP LOCKED, so replicas and workers share
 * the work without sending one attempt twice), sends each under the outbound rules, signed with
 * every secret in force, and records the attempt. A 2xx answer within 10 s delivers; anything else
 * schedules a retry with exponential backoff, until the last attempt dead-letters it. A 410 answer,
 * or WEBHOOK_DISABLE_AFTER consecutive dead letters, disables the webhook (audited as
 * webhook.disabled).
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private readonly sealingKey: Buffer;
  private readonly client: OutboundClient;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly perWebhook = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private gaugeTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** A wake-up came while a round was running: run another one right after it. */
  private wokenWhileTicking = false;
  private stopped = false;

  constructor(
    @Inject(POOL) private readonly pool: Pool,
    private readonly repository: WebhooksRepository,
    private readonly appender: AppendService,
    private readonly metrics: AuditMetrics,
    @Inject(SERVICE_CONFIG) private readonly config: AuditConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ context: DeliveryWorker.name });
    this.sealingKey = secretSealingKey(config.webhooks.secretKey);
    this.client = createOutboundClient({
      allowedTargets: config.outbound.allowedTargets,
      timeoutMs: DELIVERY_TIMEOUT_MS,
      maxResponseBytes: MAX_ANSWER_BYTES,
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.webhooks.workerEnabled) return;
    this.schedule(0);
    this.gaugeTimer = setInterval(() => void this.updateGauge(), GAUGE_EVERY_MS);
    this.gaugeTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.gaugeTimer);
    // In-flight attempts end within their timeout; one cut short is sent again after its lease.
    await Promise.allSettled([...this.inFlight]);
    await this.client.close();
  }

  /** One round: claim what fits and start sending it. Returns how many were claimed. */
  async tick(): Promise<number> {
    const free = MAX_IN_FLIGHT - this.inFlight.size;
    if (free <= 0 || this.stopped) return 0;
    const claimed = await this.repository.claimDue(
      free,
      LEASE_SECONDS,
      MAX_IN_FLIGHT_PER_WEBHOOK,
      this.perWebhook,
    );
    for (const delivery of claimed) {
      this.perWebhook.set(delivery.webhookId, (this.perWebhook.get(delivery.webhookId) ?? 0) + 1);
      const task = this.deliver(delivery).finally(() => {
        this.inFlight.delete(task);
        const left = (this.perWebhook.get(delivery.webhookId) ?? 1) - 1;
        if (left <= 0) this.perWebhook.delete(delivery.webhookId);
        else this.perWebhook.set(delivery.webhookId, left);
        this.schedule(0);
      });
      this.inFlight.add(task);
    }
    return claimed.length;
  }

  /** Sends one delivery and records the attempt. Never throws. */
  async deliver(delivery: ClaimedDelivery): Promise<void> {
    const attempt = delivery.attempts + 1;
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await this.send(delivery, attempt);
    } catch (error) {
      // A secret that cannot be opened: configuration, not the receiver. Left claimed; retried after the lease.
      this.logger.error({ err: error, webhook_id: delivery.webhookId }, 'cannot sign a webhook delivery');
      return;
    }
    const latencyMs = Math.round(performance.now() - started);
    this.metrics.webhookLatency.observe(latencyMs / 1000);
    try {
      await this.record(delivery, { ...outcome, attempt, latencyMs });
    } catch (error) {
      this.logger.warn(
        { err: error, delivery_id: delivery.deliveryId },
        'recording a webhook attempt failed',
      );
    }
  }

  private async send(delivery: ClaimedDelivery, attempt: number): Promise<Outcome> {
    const now = new Date(this.clock.now());
    const secrets = [openSecret(this.sealingKey, delivery.webhookId, delivery.secretSealed)];
    if (
      delivery.previousSecretSealed &&
      delivery.previousSecretExpiresAt &&
      delivery.previousSecretExpiresAt > now
    ) {
      secrets.push(openSecret(this.sealingKey, delivery.webhookId, delivery.previousSecretSealed));
    }
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'AgentIdP-Webhooks/1',
      ...signatureHeaders(secrets, delivery.eventId, now, delivery.payload),
    };
    let responseStatus: number | null = null;
    let error: string | null = null;
    try {
      const response = await this.client.send(delivery.url, {
        method: 'POST',
        headers,
        body: delivery.payload,
      });
      responseStatus = response.status;
      if (response.status >= 200 && response.status < 300)
        return { status: 'delivered', responseStatus, error: null, gone: false };
      error = `receiver answered ${response.status}`;
    } catch (e) {
      error = e instanceof OutboundError ? `${e.failure}: ${e.message}` : String(e);
    }
    const gone = responseStatus === 410;
    const last = gone || attempt >= this.config.webhooks.maxAttempts;
    return {
      status: last ? 'dead_letter' : 'failed',
      responseStatus,
      error: error.slice(0, MAX_ERROR_LENGTH),
      gone,
    };
  }

  private async record(
    delivery: ClaimedDelivery,
    result: Outcome & { attempt: number; latencyMs: number },
  ): Promise<void> {
    const record: AttemptRecord = {
      deliveryId: delivery.deliveryId,
      attempt: result.attempt,
      status: result.status,
      responseStatus: result.responseStatus,
      error: result.error,
      latencyMs: result.latencyMs,
      nextAttemptAt:
        result.status === 'failed'
          ? new Date(this.clock.now() + retryDelayMs(result.attempt, this.config.webhooks.retryBaseSeconds))
          : null,
    };
    const deadLetter = result.status === 'dead_letter';
    const stored = await withTransaction(this.pool, async (tx): Promise<StoredEvent[] | undefined> => {
      // Disabling appends an event: take the chain lock first, as every change of audit's own does.
      if (deadLetter) await this.appender.lockChains(tx, [delivery.organizationId]);
      if (!(await this.repository.recordAttempt(tx, record))) return undefined;
      if (result.status === 'delivered') {
        await this.repository.resetFailures(tx, delivery.webhookId);
        return [];
      }
      if (!deadLetter) return [];
      const { failureCount } = await this.repository.countDeadLetter(tx, delivery.webhookId);
      const reason = result.gone
        ? 'receiver_gone'
        : failureCount >= this.config.webhooks.disableAfter
          ? 'consecutive_dead_letters'
          : undefined;
      if (!reason || !(await this.repository.disable(tx, delivery.webhookId))) return [];
      return this.appender.appendWithin(tx, [
        disabledEvent(delivery, reason, failureCount, new Date(this.clock.now())),
      ]);
    });
    if (stored === undefined) return; // redelivered or taken over meanwhile: this result is stale
    this.metrics.webhookDeliveries.inc({ outcome: result.status });
    if (deadLetter) this.metrics.webhookDeadLetters.inc({ event_type: delivery.eventType });
    if (stored.length) {
      this.logger.warn(
        { webhook_id: delivery.webhookId, reason: stored[0]?.details.reason },
        'webhook disabled',
      );
      await this.appender.afterCommit(stored);
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped || !this.config.webhooks.workerEnabled) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), delayMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.ticking) {
      this.wokenWhileTicking = true;
      return;
    }
    this.ticking = true;
    this.wokenWhileTicking = false;
    let claimed = 0;
    try {
      claimed = await this.tick();
    } catch (error) {
      this.logger.warn({ err: error }, 'claiming webhook deliveries failed; will retry');
    } finally {
      this.ticking = false;
    }
    // Something claimed, or a slot freed meanwhile: more may be waiting, go again at once.
    const again = this.wokenWhileTicking || (claimed > 0 && this.inFlight.size < MAX_IN_FLIGHT);
    this.schedule(again ? 0 : POLL_MS);
  }

  private async updateGauge(): Promise<void> {
    try {
      this.metrics.webhookDue.set(await this.repository.countDue());
    } catch {
      // the next interval tries again; the database's own failure is reported by readiness
    }
  }
}

function disabledEvent(
  delivery: ClaimedDelivery,
  reason: string,
  failureCount: number,
  at: Date,
): AuditEventRecord {
  return {
    eventId: randomUUID(),
    occurredAt: at,
    action: 'webhook.disabled',
    outcome: 'success',
    organizationId: delivery.organizationId,
    agentId: '',
    actorClientId: '',
    actorAgentId: '',
    requestId: '',
    source: 'audit',
    details: { webhook_id: delivery.webhookId, reason, consecutive_dead_letters: failureCount },
  };
}
