import { DomainError } from '@agentidp/shared/errors';
import { parseCreateAgent, parseListAgents, parseUpdateAgent, type UpdateAgentInput } from './agents.input';

const agentId = '3b241101-e2bb-4255-8caf-4136c566a962';

function fieldPaths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError && error.code === 'validation_error')
      return (error.errors ?? []).map((e) => e.path);
    throw error;
  }
  throw new Error('expected a validation_error');
}

const update = (overrides: Partial<UpdateAgentInput>): UpdateAgentInput => ({
  agentId,
  updateFields: [],
  version: '',
  capabilities: [],
  owner: '',
  deploymentEnv: '',
  metadataJson: '',
  status: '',
  ...overrides,
});

describe('agent request rules', () => {
  it('metadata_json: empty means {}, else a JSON object', () => {
    const valid = {
      email: 'a@example.com',
      agentType: 'screener',
      version: '1.2.3-beta.1',
      capabilities: ['documents:read'],
      owner: ' team ',
      deploymentEnv: 'staging',
      metadataJson: '',
    };
    expect(parseCreateAgent(valid)).toMatchObject({ metadata: {}, owner: 'team' });
    for (const metadataJson of ['null', '"text"', '[1]', '{']) {
      expect(fieldPaths(() => parseCreateAgent({ ...valid, metadataJson }))).toEqual(['metadata']);
    }
  });

  it('gRPC callers meet the same rules as HTTP ones: no U+0000, no unpaired surrogate, depth ≤ 32 before parsing', () => {
    const valid = {
      email: 'a@example.com',
      agentType: 'screener',
      version: '1.2.3',
      capabilities: ['documents:read'],
      owner: 'team',
      deploymentEnv: 'staging',
      metadataJson: '',
    };
    expect(fieldPaths(() => parseCreateAgent({ ...valid, owner: 'a\u0000' }))).toEqual(['owner']);
    expect(fieldPaths(() => parseCreateAgent({ ...valid, metadataJson: '{"a":"\\ud800"}' }))).toEqual([
      'metadata.a',
    ]);
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    expect(fieldPaths(() => parseCreateAgent({ ...valid, metadataJson: deep }))).toEqual(['metadata']);
    const list = { limit: 0, cursor: '', status: '', agentType: '', owner: '', deploymentEnv: '' };
    expect(fieldPaths(() => parseListAgents({ ...list, owner: 'x\u0000' }))).toEqual(['owner']);
    const farFuture = Buffer.from(`v1:999999999999999:${agentId}`).toString('base64url');
    expect(fieldPaths(() => parseListAgents({ ...list, cursor: farFuture }))).toEqual(['cursor']);
  });

  it('update applies only the named fields and validates only those', () => {
    expect(
      parseUpdateAgent(update({ updateFields: ['owner'], owner: 'ops', version: 'not-semver' })),
    ).toEqual({
      agentId,
      changes: { owner: 'ops' },
      fields: ['owner'],
    });
    expect(
      parseUpdateAgent(
        update({ updateFields: ['metadata_json', 'status'], metadataJson: '', status: 'suspended' }),
      ),
    ).toEqual({ agentId, changes: { metadata: {}, status: 'suspended' }, fields: ['metadata', 'status'] });
  });

  it('update names unknown fields, bad values and a bad id together', () => {
    expect(
      fieldPaths(() =>
        parseUpdateAgent(
          update({
            agentId: 'x',
            updateFields: ['version', 'did', 'status'],
            version: '1',
            status: 'decommissioned',
          }),
        ),
      ),
    ).toEqual(['agent_id', 'update_fields[1]', 'version', 'status']);
  });

  it('list: limit 0 is the default, filters are optional, enums are checked', () => {
    expect(
      parseListAgents({ limit: 0, cursor: '', status: '', agentType: '', owner: '', deploymentEnv: '' }),
    ).toEqual({ limit: 20 });
    expect(
      fieldPaths(() =>
        parseListAgents({
          limit: 1000,
          cursor: 'x',
          status: 'gone',
          agentType: '',
          owner: '',
          deploymentEnv: 'moon',
        }),
      ),
    ).toEqual(['limit', 'cursor', 'status', 'deployment_env']);
  });
});
