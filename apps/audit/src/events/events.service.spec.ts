import { DomainError } from '@agentidp/shared';
import { EventsService, MAX_BATCH } from './events.service';
import type { EventsRepository } from './events.repository';
import type { AuditEventRecord } from './events.types';

const record = (eventId: string): AuditEventRecord => ({
  eventId,
  occurredAt: new Date('2026-11-23T00:00:00Z'),
  action: 'agent.created',
  outcome: 'success',
  organizationId: 'org-a',
  agentId: '',
  actorClientId: '',
  actorAgentId: '',
  requestId: '',
  source: 'registry',
  details: {},
});

function setup(inserted: (events: readonly AuditEventRecord[]) => number) {
  const insertMany = jest.fn(async (events: readonly AuditEventRecord[]) => inserted(events));
  const sut = new EventsService({ insertMany } as unknown as EventsRepository);
  return { sut, insertMany };
}

describe(EventsService.name, () => {
  const a = '00000000-0000-4000-8000-00000000000a';
  const b = '00000000-0000-4000-8000-00000000000b';

  it('drops repeats inside one batch before storing and counts them as duplicates', async () => {
    const { sut, insertMany } = setup((events) => events.length);
    await expect(sut.append([record(a), record(b), record(a)])).resolves.toEqual({
      appended: 2,
      duplicates: 1,
    });
    expect(insertMany).toHaveBeenCalledWith([record(a), record(b)]);
  });

  it('refuses batches over the limit without touching the repository', async () => {
    const { sut, insertMany } = setup(() => 0);
    const batch = Array.from({ length: MAX_BATCH + 1 }, () => record(a));
    await expect(sut.append(batch)).rejects.toBeInstanceOf(DomainError);
    expect(insertMany).not.toHaveBeenCalled();
  });
});
