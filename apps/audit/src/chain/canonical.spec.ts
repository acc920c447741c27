import { canonicalJson, chainHash, chainPayload, GENESIS_HASH, type ChainedFields } from './canonical';

const fields: ChainedFields = {
  organizationId: 'org-a',
  sequence: 7,
  eventId: 'AAAAAAAA-0000-4000-8000-000000000001',
  occurredAt: new Date('2026-11-23T10:00:00.123Z'),
  recordedAt: new Date('2026-11-23T10:00:01.000Z'),
  action: 'token.issued',
  outcome: 'success',
  agentId: 'agent-1',
  actorClientId: 'client-1',
  actorAgentId: 'agent-1',
  requestId: 'req-1',
  source: 'auth',
  details: { scope: 'a b', jti: 'j-1', nested: { z: 1, a: [2, { y: null, b: 'x' }] } },
};
const key = Buffer.alloc(32, 5);

describe('canonical chain encoding', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [true, { d: null, c: 'x', u: undefined }] })).toBe(
      '{"a":[true,{"c":"x","d":null}],"b":1}',
    );
    expect(canonicalJson('é"\n')).toBe(JSON.stringify('é"\n'));
  });

  it('the hand-written payload is the canonical JSON of the documented object', () => {
    expect(chainPayload(fields, GENESIS_HASH)).toBe(
      canonicalJson({
        v: 1,
        organization_id: fields.organizationId,
        sequence: fields.sequence,
        event_id: fields.eventId.toLowerCase(),
        occurred_at: fields.occurredAt.toISOString(),
        recorded_at: fields.recordedAt.toISOString(),
        action: fields.action,
        outcome: fields.outcome,
        agent_id: fields.agentId,
        actor: { client_id: fields.actorClientId, agent_id: fields.actorAgentId },
        request_id: fields.requestId,
        source: fields.source,
        details: fields.details,
        previous_hash: GENESIS_HASH,
      }),
    );
  });

  it('is independent of key order (jsonb reorders keys)', () => {
    const reordered = {
      ...fields,
      details: { nested: { a: [2, { b: 'x', y: null }], z: 1 }, jti: 'j-1', scope: 'a b' },
    };
    expect(chainPayload(reordered, GENESIS_HASH)).toBe(chainPayload(fields, GENESIS_HASH));
    expect(chainHash(key, reordered, GENESIS_HASH)).toBe(chainHash(key, fields, GENESIS_HASH));
  });

  it('covers every field, the position, the previous hash, and the key', () => {
    const base = chainHash(key, fields, GENESIS_HASH);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    const variants: Partial<ChainedFields>[] = [
      { organizationId: 'org-b' },
      { sequence: 8 },
      { eventId: 'aaaaaaaa-0000-4000-8000-000000000002' },
      { occurredAt: new Date('2026-11-23T10:00:00.124Z') },
      { recordedAt: new Date('2026-11-23T10:00:01.001Z') },
      { action: 'token.revoked' },
      { outcome: 'failure' },
      { agentId: 'agent-2' },
      { actorClientId: 'client-2' },
      { actorAgentId: 'agent-2' },
      { requestId: 'req-2' },
      { source: 'registry' },
      { details: { ...fields.details, scope: 'a b c' } },
    ];
    for (const change of variants)
      expect(chainHash(key, { ...fields, ...change }, GENESIS_HASH)).not.toBe(base);
    expect(chainHash(key, fields, 'f'.repeat(64))).not.toBe(base);
    expect(chainHash(Buffer.alloc(32, 6), fields, GENESIS_HASH)).not.toBe(base);
  });

  it('treats event ids case-insensitively (Postgres returns uuids lower-case)', () => {
    expect(chainHash(key, { ...fields, eventId: fields.eventId.toLowerCase() }, GENESIS_HASH)).toBe(
      chainHash(key, fields, GENESIS_HASH),
    );
  });
});
