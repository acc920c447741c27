import request from 'supertest';
import { DomainError } from '@agentidp/shared/errors';
import { domainFailure, testGateway } from '../testing';

const AGENT = '0190f5c2-8b4f-7d72-8e1f-6c7b2d3e4f50';
const CREDENTIAL = {
  credentialId: '0190f5c2-9c50-7e83-9f20-7d8c3e4f5061',
  agentId: AGENT,
  clientId: 'agidp_test',
  scopes: ['documents:read'],
  status: 'active',
  createdAt: { seconds: 1_700_000_000, nanos: 0 },
  expiresAt: undefined,
  revokedAt: undefined,
};

describe('GET /api/v1/agents/{agent_id}/credentials', () => {
  it('pages like every list: limit and cursor go to the registry, next_cursor comes back', async () => {
    const gateway = await testGateway();
    gateway.registry.listCredentials.answer = () => ({ credentials: [CREDENTIAL], nextCursor: 'next-page' });
    const token = await gateway.signer.accessToken('agents:read');
    const res = await request(gateway.app)
      .get(`/api/v1/agents/${AGENT}/credentials?limit=1&cursor=abc`)
      .set('authorization', `Bearer ${token}`)
      .expect(200);
    expect(res.body).toMatchObject({
      data: [{ credential_id: CREDENTIAL.credentialId }],
      next_cursor: 'next-page',
    });
    expect(gateway.registry.listCredentials.calls.map((c) => c.request)).toEqual([
      { agentId: AGENT, limit: 1, cursor: 'abc' },
    ]);
  });

  it('refuses unknown query parameters and a bad limit, naming them', async () => {
    const gateway = await testGateway();
    const token = await gateway.signer.accessToken('agents:read');
    const res = await request(gateway.app)
      .get(`/api/v1/agents/${AGENT}/credentials?status=active&limit=0`)
      .set('authorization', `Bearer ${token}`)
      .expect(400);
    expect(res.body.code).toBe('validation_error');
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'status', message: 'is not a known field' },
        { path: 'limit', message: 'must be an integer from 1 to 100' },
      ]),
    );
    expect(gateway.registry.listCredentials.calls).toHaveLength(0);
  });
});

describe('403 challenges', () => {
  it('a forbidden answer carries WWW-Authenticate like insufficient_scope', async () => {
    const gateway = await testGateway();
    gateway.registry.listCredentials.answer = () =>
      domainFailure(new DomainError('forbidden', 'Only an org admin may see this'));
    const token = await gateway.signer.accessToken('agents:read');
    const res = await request(gateway.app)
      .get(`/api/v1/agents/${AGENT}/credentials`)
      .set('authorization', `Bearer ${token}`)
      .expect(403);
    expect(res.body.code).toBe('forbidden');
    expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
  });

  it('a missing scope names it in the challenge', async () => {
    const gateway = await testGateway();
    const token = await gateway.signer.accessToken('audit:read');
    const res = await request(gateway.app)
      .get(`/api/v1/agents/${AGENT}/credentials`)
      .set('authorization', `Bearer ${token}`)
      .expect(403);
    expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="agents:read"');
  });
});
