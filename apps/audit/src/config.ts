import { z } from 'zod';
import { serviceEnvSchema, toServiceConfig, type ServiceConfig } from '@agentidp/nest-kit';
import {
  flag,
  outboundShape,
  parseEnv,
  port,
  positiveInt,
  secretKey,
  toOutboundConfig,
  type Env,
  type OutboundConfig,
} from '@agentidp/shared/config';

/** Default port of audit's own Prometheus endpoint (`GET /metrics`). */
export const DEFAULT_AUDIT_METRICS_PORT = 9464;

const BROKER = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;

const auditEnvSchema = z.object({
  ...serviceEnvSchema.shape,
  // No default: with a key from the source tree anyone could rebuild an edited chain.
  AUDIT_HMAC_KEY: secretKey(32),
  ANALYTICS_ENABLED: flag(true),
  COMPLIANCE_ENABLED: flag(true),
  // How often every organization's chain is recomputed (agentidp_audit_chain_integrity).
  AUDIT_VERIFY_INTERVAL_MS: positiveInt(3_600_000),
  AUDIT_METRICS_PORT: port(DEFAULT_AUDIT_METRICS_PORT),
  KAFKA_BROKERS: z
    .string()
    .refine((value) => value.split(',').every((b) => BROKER.test(b.trim())), {
      message: 'must be a comma-separated list of host:port',
    })
    .optional(),
  KAFKA_TOPIC: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, { message: 'must be a Kafka topic name' })
    .default('agentidp.audit.events'),
  KAFKA_CLIENT_ID: z.string().min(1).max(128).default('agentidp-audit'),
  ...outboundShape,
  // No default, like AUDIT_HMAC_KEY: webhook signing secrets are sealed under it.
  WEBHOOK_SECRET_KEY: secretKey(32),
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce
    .number({ message: 'must be a positive number of seconds' })
    .positive({ message: 'must be a positive number of seconds' })
    .max(3600, { message: 'must be at most 3600 seconds' })
    .default(5),
  WEBHOOK_MAX_ATTEMPTS: positiveInt(16).pipe(z.number().max(100, { message: 'must be at most 100' })),
  WEBHOOK_DISABLE_AFTER: positiveInt(20),
  WEBHOOKS_ENABLED: flag(true),
});

export interface KafkaConfig {
  brokers: string[];
  topic: string;
  clientId: string;
}

export interface AuditConfig extends ServiceConfig {
  name: 'audit';
  /** Raw bytes of AUDIT_HMAC_KEY (≥ 32): the key of every chain hash. Never log the config object. */
  hmacKey: Buffer;
  analyticsEnabled: boolean;
  complianceEnabled: boolean;
  verifyIntervalMs: number;
  /** Port of audit's own `/metrics` listener, on the gRPC host interface. */
  metricsPort: number;
  /** Present when KAFKA_BROKERS is set: appended events are also produced to this topic. */
  kafka?: KafkaConfig;
  outbound: OutboundConfig;
  webhooks: WebhookConfig;
}

export interface WebhookConfig {
  /** Raw bytes of WEBHOOK_SECRET_KEY (≥ 32): signing secrets are sealed under a key derived from it. */
  secretKey: Buffer;
  /** The first retry's delay; the n-th waits base × 2^(n−1), ±20 %, at most 6 h. */
  retryBaseSeconds: number;
  /** Attempts in all before a delivery is dead-lettered. */
  maxAttempts: number;
  /** Consecutive dead letters that disable a webhook. */
  disableAfter: number;
  /** Whether this process runs the delivery worker (a replica may leave it to others). */
  workerEnabled: boolean;
}

/** Parses the audit service's environment (throws ConfigError naming the bad variables). */
export function loadAuditConfig(env: Env): AuditConfig {
  const parsed = parseEnv(auditEnvSchema, env);
  return {
    ...toServiceConfig('audit', parsed),
    name: 'audit',
    hmacKey: Buffer.from(parsed.AUDIT_HMAC_KEY, 'base64'),
    analyticsEnabled: parsed.ANALYTICS_ENABLED,
    complianceEnabled: parsed.COMPLIANCE_ENABLED,
    verifyIntervalMs: parsed.AUDIT_VERIFY_INTERVAL_MS,
    metricsPort: parsed.AUDIT_METRICS_PORT,
    kafka: parsed.KAFKA_BROKERS
      ? {
          brokers: parsed.KAFKA_BROKERS.split(',').map((b) => b.trim()),
          topic: parsed.KAFKA_TOPIC,
          clientId: parsed.KAFKA_CLIENT_ID,
        }
      : undefined,
    outbound: toOutboundConfig(parsed),
    webhooks: {
      secretKey: Buffer.from(parsed.WEBHOOK_SECRET_KEY, 'base64'),
      retryBaseSeconds: parsed.WEBHOOK_RETRY_BASE_SECONDS,
      maxAttempts: parsed.WEBHOOK_MAX_ATTEMPTS,
      disableAfter: parsed.WEBHOOK_DISABLE_AFTER,
      workerEnabled: parsed.WEBHOOKS_ENABLED,
    },
  };
}
