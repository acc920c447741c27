import { Kafka, logLevel as KafkaLogLevel, type LogEntry, type Producer } from 'kafkajs';
import type { Logger } from '@agentidp/shared/runtime';
import type { KafkaConfig } from '../config';
import { eventJson } from '../events/event-json';
import type { StoredEvent } from '../events/events.types';

/** Where appended events go after their transaction commits (a Kafka topic, or nowhere). */
export interface EventPublisher {
  /** False when no stream is configured: the append path then skips the work entirely. */
  readonly enabled: boolean;
  /** Resolves once every event is acknowledged; rejects otherwise (the caller fails the append). */
  publish(events: readonly StoredEvent[]): Promise<void>;
  close(): Promise<void>;
}

export const EVENT_PUBLISHER = Symbol('EVENT_PUBLISHER');

/** Used when KAFKA_BROKERS is unset. */
export const NO_PUBLISHER: EventPublisher = {
  enabled: false,
  publish: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/** The part of a kafkajs Producer the adapter needs; tests hand in a fake with this shape. */
export type KafkaProducer = Pick<Producer, 'connect' | 'send' | 'disconnect'>;

/**
 * Produces each event to one topic, keyed by organization id (so one organization's events stay
 * in one partition, in chain order), valued with the event's public JSON (hash and sequence
 * included, so consumers can check the chain too), with `event-id` and `action` headers.
 * Delivery is at least once: consumers deduplicate by event id.
 */
export class KafkaEventPublisher implements EventPublisher {
  readonly enabled = true;
  private connected: Promise<void> | undefined;

  constructor(
    private readonly producer: KafkaProducer,
    private readonly topic: string,
  ) {}

  async publish(events: readonly StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.connect();
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: events.map((event) => ({
        key: event.organizationId,
        value: JSON.stringify(eventJson(event)),
        headers: { 'event-id': event.eventId, action: event.action },
      })),
    });
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    this.connected = undefined;
    await this.producer.disconnect();
  }

  /** Connects once; a failed attempt is forgotten so the next publish tries again. */
  private connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    return this.connected;
  }
}

/** The kafkajs producer for a configuration: idempotent (no duplicates from its own retries). */
export function createKafkaPublisher(config: KafkaConfig, logger: Logger): KafkaEventPublisher {
  const kafka = new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      const fields = { namespace: entry.namespace, ...extra };
      if (entry.level <= KafkaLogLevel.ERROR) logger.error(fields, `kafka: ${message}`);
      else logger.warn(fields, `kafka: ${message}`);
    },
    retry: { retries: 3 },
  });
  return new KafkaEventPublisher(
    kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true }),
    config.topic,
  );
}
