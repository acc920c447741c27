import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG } from '@agentidp/nest-kit';
import { Counter, createMetricsRegistry, Gauge, Histogram, type Registry } from '@agentidp/shared/metrics';
import type { Logger } from '@agentidp/shared/runtime';
import type { AuditConfig } from '../config';

/**
 * Audit's Prometheus metrics, served by audit itself on `AUDIT_METRICS_PORT` (`GET /metrics`):
 * the chain gauge is set by a job inside this process, so the process that knows it serves it,
 * in every runtime mode (one Prometheus target per service, like the gateway's /metrics).
 * No label carries an organization id (cardinality).
 */
@Injectable()
export class AuditMetrics implements OnModuleInit, OnModuleDestroy {
  readonly registry: Registry;
  /** 1 = every organization's chain verified, 0 = a chain is broken, -1 = not verified yet. */
  readonly chainIntegrity: Gauge;
  readonly lastVerification: Gauge;
  readonly verificationDuration: Gauge;
  readonly brokenChains: Gauge;
  readonly eventsAppended: Counter;
  readonly kafkaFailures: Counter;
  /** Webhook delivery attempts by outcome: delivered | failed | dead_letter. */
  readonly webhookDeliveries: Counter<'outcome'>;
  readonly webhookDeadLetters: Counter<'event_type'>;
  readonly webhookLatency: Histogram;
  readonly webhookDue: Gauge;
  private server: Server | undefined;
  private readonly logger: Logger;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AuditConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ context: AuditMetrics.name });
    this.registry = createMetricsRegistry({ service: 'audit' });
    const registers = [this.registry];
    this.chainIntegrity = new Gauge({
      name: 'agentidp_audit_chain_integrity',
      help: 'Result of the last periodic verification of every organization hash chain: 1 intact, 0 broken, -1 not yet verified',
      registers,
    });
    this.chainIntegrity.set(-1);
    this.lastVerification = new Gauge({
      name: 'agentidp_audit_chain_last_verification_timestamp_seconds',
      help: 'When the last periodic chain verification finished (Unix seconds)',
      registers,
    });
    this.verificationDuration = new Gauge({
      name: 'agentidp_audit_chain_verification_duration_seconds',
      help: 'How long the last periodic chain verification took',
      registers,
    });
    this.brokenChains = new Gauge({
      name: 'agentidp_audit_chain_broken_organizations',
      help: 'Organizations whose chain failed the last periodic verification',
      registers,
    });
    this.eventsAppended = new Counter({
      name: 'agentidp_audit_events_appended_total',
      help: 'Events stored in the audit log (duplicates not counted)',
      registers,
    });
    this.kafkaFailures = new Counter({
      name: 'agentidp_audit_kafka_publish_failures_total',
      help: 'Batches whose production to Kafka failed (the relay sends them again)',
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'agentidp_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, failed: a retry is scheduled, dead_letter: no retry left)',
      labelNames: ['outcome'],
      registers,
    });
    this.webhookDeadLetters = new Counter({
      name: 'agentidp_webhook_dead_letters_total',
      help: 'Webhook deliveries given up after their last attempt (or a 410 answer), by event type',
      labelNames: ['event_type'],
      registers,
    });
    this.webhookLatency = new Histogram({
      name: 'agentidp_webhook_delivery_duration_seconds',
      help: 'Time from sending a webhook delivery to its answer (or failure)',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.webhookDue = new Gauge({
      name: 'agentidp_webhook_due_deliveries',
      help: 'Webhook deliveries due now and not yet sent (the backlog of the delivery workers)',
      registers,
    });
  }

  async onModuleInit(): Promise<void> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.metricsPort, this.config.grpcHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.keepAliveTimeout = 5_000;
    this.server = server;
    this.logger.info({ port: (server.address() as AddressInfo).port }, 'audit metrics listening');
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
