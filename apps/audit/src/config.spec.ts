import { ConfigError } from '@agentidp/shared/config';
import { loadAuditConfig } from './config';

const base = {
  DATABASE_URL: 'postgres://u@h/d',
  AUDIT_HMAC_KEY: Buffer.alloc(32, 1).toString('base64'),
  WEBHOOK_SECRET_KEY: Buffer.alloc(32, 2).toString('base64'),
};

describe(loadAuditConfig.name, () => {
  it('defaults: analytics and compliance on, hourly verification, metrics on 9464, no Kafka', () => {
    expect(loadAuditConfig(base)).toMatchObject({
      name: 'audit',
      hmacKey: Buffer.alloc(32, 1),
      analyticsEnabled: true,
      complianceEnabled: true,
      verifyIntervalMs: 3_600_000,
      metricsPort: 9464,
      kafka: undefined,
    });
  });

  it('requires AUDIT_HMAC_KEY of at least 32 bytes', () => {
    expect(() => loadAuditConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow(/AUDIT_HMAC_KEY: is required/);
    expect(() => loadAuditConfig({ ...base, AUDIT_HMAC_KEY: Buffer.alloc(16).toString('base64') })).toThrow(
      ConfigError,
    );
  });

  it('requires WEBHOOK_SECRET_KEY of at least 32 bytes, and defaults the webhook settings', () => {
    expect(() => loadAuditConfig({ ...base, WEBHOOK_SECRET_KEY: undefined })).toThrow(
      /WEBHOOK_SECRET_KEY: is required/,
    );
    expect(() =>
      loadAuditConfig({ ...base, WEBHOOK_SECRET_KEY: Buffer.alloc(16).toString('base64') }),
    ).toThrow(/WEBHOOK_SECRET_KEY: must be base64 of at least 32 random bytes/);
    expect(loadAuditConfig(base)).toMatchObject({
      outbound: { allowedTargets: [] },
      webhooks: {
        secretKey: Buffer.alloc(32, 2),
        retryBaseSeconds: 5,
        maxAttempts: 16,
        disableAfter: 20,
        workerEnabled: true,
      },
    });
  });

  it('reads the webhook settings, refusing bad values naming them', () => {
    expect(
      loadAuditConfig({
        ...base,
        OUTBOUND_ALLOWED_TARGETS: '127.0.0.1:9000',
        WEBHOOK_RETRY_BASE_SECONDS: '0.2',
        WEBHOOK_MAX_ATTEMPTS: '3',
        WEBHOOK_DISABLE_AFTER: '2',
        WEBHOOKS_ENABLED: 'false',
      }),
    ).toMatchObject({
      outbound: { allowedTargets: ['127.0.0.1:9000'] },
      webhooks: { retryBaseSeconds: 0.2, maxAttempts: 3, disableAfter: 2, workerEnabled: false },
    });
    expect(() =>
      loadAuditConfig({ ...base, WEBHOOK_RETRY_BASE_SECONDS: '0', WEBHOOK_MAX_ATTEMPTS: '101' }),
    ).toThrow(
      /WEBHOOK_RETRY_BASE_SECONDS: must be a positive number of seconds; WEBHOOK_MAX_ATTEMPTS: must be at most 100/,
    );
  });

  it('reads the flags and Kafka settings, refusing bad values with one line naming them', () => {
    expect(
      loadAuditConfig({
        ...base,
        ANALYTICS_ENABLED: 'false',
        COMPLIANCE_ENABLED: '0',
        KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
        KAFKA_TOPIC: 'audit',
      }),
    ).toMatchObject({
      analyticsEnabled: false,
      complianceEnabled: false,
      kafka: { brokers: ['kafka-1:9092', 'kafka-2:9092'], topic: 'audit', clientId: 'agentidp-audit' },
    });
    expect(() =>
      loadAuditConfig({ ...base, ANALYTICS_ENABLED: 'no', KAFKA_BROKERS: 'not a broker' }),
    ).toThrow(
      /ANALYTICS_ENABLED: must be true or false; KAFKA_BROKERS: must be a comma-separated list of host:port/,
    );
  });
});
