import { randomUUID } from 'node:crypto';
import { AuditServiceClient } from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import type { DomainEvent } from '@agentidp/proto/grpc/agentid/common/v1/event';
import {
  callUnary,
  grpcChannelCredentials,
  grpcChannelOptions,
  toTimestamp,
  type GrpcTlsMaterial,
} from '@agentidp/shared/grpc';
import { waitFor, type WebhookReceiver } from '@agentidp/shared/testing';
import type { CpuMeter } from './cpu.js';

/** Events per delivery measurement (BENCH_WEBHOOK_EVENTS). */
export const DEFAULT_WEBHOOK_EVENTS = 5_000;
const BATCH = 500;

export interface DeliveryResult {
  events: number;
  seconds: number;
  deliveriesPerSecond: number;
  cpuMsPerDelivery: number;
  cpuMsPerDeliveryByProcess: Record<string, number>;
}

/**
 * Webhook delivery throughput: a webhook of the bench organization to a local receiver (listed in
 * OUTBOUND_ALLOWED_TARGETS), then `events` agent.created events appended to audit as the outbox
 * relays append them, timed from the first append to the last event received. Delivery is the
 * work measured; the append (and its fan-out into delivery rows) is inside the interval, and its
 * CPU inside the per-delivery figure.
 */
export async function measureDeliveries(options: {
  base: string;
  adminToken: string;
  orgId: string;
  auditTarget: string;
  /** The certificate presented to audit (the gateway's, as an operator presents it). */
  tls: GrpcTlsMaterial;
  receiver: WebhookReceiver;
  meter: CpuMeter;
  events: number;
}): Promise<DeliveryResult> {
  const path = `/bench-${randomUUID()}`;
  const created = await fetch(`${options.base}/api/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', url: options.receiver.url(path), events: ['agent.*'] }),
  });
  if (created.status !== 201)
    throw new Error(`creating the bench webhook: ${created.status} ${await created.text()}`);

  const audit = new AuditServiceClient(
    options.auditTarget,
    grpcChannelCredentials(options.tls, 'audit'),
    grpcChannelOptions('audit'),
  );
  try {
    const batches: DomainEvent[][] = [];
    for (let start = 0; start < options.events; start += BATCH) {
      batches.push(
        Array.from({ length: Math.min(BATCH, options.events - start) }, (_, i) => ({
          eventId: randomUUID(),
          occurredAt: toTimestamp(new Date()),
          action: 'agent.created',
          outcome: 'success',
          organizationId: options.orgId,
          agentId: randomUUID(),
          actor: { clientId: 'bench', agentId: '' },
          requestId: '',
          detailsJson: JSON.stringify({ n: start + i }),
          source: 'registry',
        })),
      );
    }
    const received = () => new Set(options.receiver.on(path).map((r) => r.headers['webhook-id'])).size;
    const stop = await options.meter.start();
    const started = performance.now();
    for (const events of batches) await callUnary(audit.appendEvents.bind(audit), { events });
    await waitFor(() => received() >= options.events, {
      timeoutMs: 600_000,
      intervalMs: 20,
      message: 'every bench event delivered',
    });
    const seconds = (performance.now() - started) / 1000;
    const cpu = stop();
    return {
      events: options.events,
      seconds,
      deliveriesPerSecond: options.events / seconds,
      cpuMsPerDelivery: cpu.totalMs / options.events,
      cpuMsPerDeliveryByProcess: Object.fromEntries(
        [...cpu.byName].map(([name, ms]) => [name, ms / options.events]),
      ),
    };
  } finally {
    audit.close();
  }
}
