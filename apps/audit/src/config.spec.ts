import { ConfigError } from '@agentidp/shared/config';
import { loadAuditConfig } from './config';

const base = {
  DATABASE_URL: 'postgres://u@h/d',
  AUDIT_HMAC_KEY: Buffer.alloc(32, 1).toString('base64'),
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
