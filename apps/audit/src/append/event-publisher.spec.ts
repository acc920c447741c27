import type { ProducerRecord, RecordMetadata } from 'kafkajs';
import { GENESIS_HASH } from '../chain/canonical';
import { KafkaEventPublisher, type KafkaProducer } from './event-publisher';
import type { StoredEvent } from '../events/events.types';

function stored(organizationId: string, sequence: number): StoredEvent {
  return {
    eventId: `00000000-0000-4000-8000-00000000000${sequence}`,
    occurredAt: new Date('2026-11-23T10:00:00.000Z'),
    recordedAt: new Date('2026-11-23T10:00:01.000Z'),
    action: 'token.issued',
    outcome: 'success',
    organizationId,
    agentId: 'agent-1',
    actorClientId: 'client-1',
    actorAgentId: 'agent-1',
    requestId: 'req-1',
    source: 'auth',
    details: { jti: 'j' },
    sequence,
    previousHash: GENESIS_HASH,
    hash: 'a'.repeat(64),
  };
}

function fakeProducer(options: { failConnects?: number } = {}) {
  let failures = options.failConnects ?? 0;
  const producer = {
    connect: jest.fn(async () => {
      if (failures > 0) {
        failures--;
        throw new Error('broker unreachable');
      }
    }),
    send: jest.fn(async (_record: ProducerRecord): Promise<RecordMetadata[]> => []),
    disconnect: jest.fn(async () => undefined),
  };
  return producer satisfies KafkaProducer;
}

describe(KafkaEventPublisher.name, () => {
  it('produces each event to the topic keyed by organization, valued with its public JSON', async () => {
    const producer = fakeProducer();
    const sut = new KafkaEventPublisher(producer, 'agentidp.audit.events');
    await sut.publish([stored('org-a', 1), stored('org-b', 2)]);
    expect(producer.connect).toHaveBeenCalledTimes(1);
    const record = producer.send.mock.calls[0]![0];
    expect(record.topic).toBe('agentidp.audit.events');
    expect(record.acks).toBe(-1);
    expect(record.messages.map((m) => m.key)).toEqual(['org-a', 'org-b']);
    expect(record.messages[0]!.headers).toEqual({
      'event-id': stored('org-a', 1).eventId,
      action: 'token.issued',
    });
    expect(JSON.parse(String(record.messages[0]!.value))).toEqual({
      event_id: '00000000-0000-4000-8000-000000000001',
      timestamp: '2026-11-23T10:00:00.000Z',
      action: 'token.issued',
      outcome: 'success',
      organization_id: 'org-a',
      agent_id: 'agent-1',
      actor: { client_id: 'client-1', agent_id: 'agent-1' },
      details: { jti: 'j' },
      request_id: 'req-1',
      source: 'auth',
      sequence: 1,
      hash: 'a'.repeat(64),
      previous_hash: GENESIS_HASH,
      recorded_at: '2026-11-23T10:00:01.000Z',
    });
  });

  it('connects once, retries a failed connection on the next publish, and skips empty batches', async () => {
    const producer = fakeProducer({ failConnects: 1 });
    const sut = new KafkaEventPublisher(producer, 't');
    await expect(sut.publish([stored('org-a', 1)])).rejects.toThrow('broker unreachable');
    await sut.publish([stored('org-a', 1)]);
    await sut.publish([stored('org-a', 2)]);
    await sut.publish([]);
    expect(producer.connect).toHaveBeenCalledTimes(2);
    expect(producer.send).toHaveBeenCalledTimes(2);
    await sut.close();
    expect(producer.disconnect).toHaveBeenCalledTimes(1);
  });

  it('a send failure rejects (the append then fails and the relay resends)', async () => {
    const producer = fakeProducer();
    producer.send.mockRejectedValueOnce(new Error('not enough replicas'));
    await expect(new KafkaEventPublisher(producer, 't').publish([stored('org-a', 1)])).rejects.toThrow(
      'not enough replicas',
    );
  });
});
