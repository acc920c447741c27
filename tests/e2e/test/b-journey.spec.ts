import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { MANAGEMENT_SCOPES } from '@agentidp/shared/identity';
import {
  api,
  createAgent,
  createCredential,
  expectStatus,
  stack,
  UUID,
  waitForAudit,
  type AuditEvent,
  type Credential,
} from './support';

/**
 * Phase B of the field trial: the core journey, in order, adapted to the public API where it
 * decides: signup
 * returns the organization plus the admin credential (the runbook's unauthenticated agent and
 * credential creation become the admin's calls), the credential lives under its agent, and the
 * runbook's undefined `read` scope becomes real scopes (the admin grants the trial agent
 * `agents:read` and `audit:read` besides its capabilities, so its own token can list agents in B.5
 * and read the audit log in B.8).
 */
describe('Phase B: core product journey', () => {
  const capabilities = ['documents:read', 'documents:classify'];
  const tokenScope = ['agents:read', 'audit:read'];
  let orgId: string;
  let adminToken: string;
  let agentId: string;
  let credential: Credential;
  let accessToken: string;
  let rotated: Credential;
  let newToken: string;

  it('B.1 signup: 201 with org_id and the admin credential (secret shown once)', async () => {
    const reply = expectStatus(
      await api.request('POST', '/api/v1/organizations', {
        json: { name: 'Field Trial Org', slug: 'field-trial' },
      }),
      201,
      'signup',
    );
    expect(reply.body).toMatchObject({
      name: 'Field Trial Org',
      slug: 'field-trial',
      tier: 'free',
      status: 'active',
    });
    orgId = reply.body.org_id as string;
    expect(orgId).toMatch(UUID);
    const admin = reply.body.admin_credential as Record<string, unknown>;
    expect(admin).toMatchObject({ client_id: expect.any(String), client_secret: expect.any(String) });
    expect([...(admin.scopes as string[])].sort()).toEqual([...MANAGEMENT_SCOPES].sort());
    adminToken = await api.accessToken(admin.client_id as string, admin.client_secret as string);

    const me = await api.request('GET', '/api/v1/organizations/me', { token: adminToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ org_id: orgId, slug: 'field-trial' });
    expect(me.text).not.toContain(admin.client_secret as string);
  });

  it("B.2 registering the agent: 201 with agent_id, in the token's organization, active, with a DID", async () => {
    const agent = await createAgent(adminToken, {
      email: 'trial-agent@field-trial.sentryagent.ai',
      agent_type: 'classifier',
      version: '1.0.0',
      capabilities,
      owner: 'field-trial-team',
      deployment_env: 'development',
    });
    agentId = agent.agent_id as string;
    expect(agentId).toMatch(UUID);
    expect(agent).toMatchObject({ organization_id: orgId, status: 'active', capabilities });
    expect(agent.did).toMatch(/^did:web:/);
  });

  it('B.3 a credential for the agent: 201 with client_id and client_secret', async () => {
    credential = await createCredential(adminToken, agentId, [...capabilities, ...tokenScope]);
    expect(credential).toMatchObject({ agent_id: agentId, status: 'active' });
    expect(credential.client_id).toEqual(expect.any(String));
    expect(credential.client_secret.length).toBeGreaterThanOrEqual(32);
    // The secret is shown only once: the list has no secret.
    const list = await api.request('GET', `/api/v1/agents/${agentId}/credentials`, { token: adminToken });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(credential.client_secret);
  });

  it('B.4 POST /api/v1/token: 200 with access_token, token_type Bearer, expires_in and the scope asked for', async () => {
    const reply = await api.request('POST', '/api/v1/token', {
      raw: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: credential.client_id,
        client_secret: credential.client_secret,
        scope: tokenScope.join(' '),
      }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.body).toMatchObject({ token_type: 'Bearer', expires_in: stack.accessTokenTtlSeconds });
    expect((reply.body.scope as string).split(' ').sort()).toEqual(tokenScope);
    accessToken = reply.body.access_token as string;
    expect(accessToken.split('.')).toHaveLength(3);
  });

  it('B.5 the token is accepted: GET /api/v1/agents lists the agent', async () => {
    const reply = await api.request('GET', '/api/v1/agents', { token: accessToken });
    expect(reply.status).toBe(200);
    const agents = reply.body.data as { agent_id: string; email: string }[];
    expect(agents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ agent_id: agentId, email: 'trial-agent@field-trial.sentryagent.ai' }),
      ]),
    );
  });

  it('B.6 the claims (sub, iss, aud, scope, agent_id, organization_id, iat, exp, jti; exp − iat = TTL) and a signature that verifies against the discovery jwks_uri', async () => {
    const discovery = expectStatus(
      await api.request('GET', '/.well-known/openid-configuration'),
      200,
      'discovery',
    ).body;
    const resource = expectStatus(
      await api.request('GET', '/.well-known/oauth-protected-resource'),
      200,
      'protected resource metadata',
    ).body;
    const claims = decodeJwt(accessToken);
    expect(claims).toMatchObject({
      sub: credential.client_id,
      client_id: credential.client_id,
      iss: discovery.issuer,
      aud: resource.resource,
      agent_id: agentId,
      organization_id: orgId,
    });
    expect((claims.scope as string).split(' ').sort()).toEqual(tokenScope);
    expect(claims.jti).toMatch(UUID);
    expect(typeof claims.iat).toBe('number');
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(stack.accessTokenTtlSeconds);
    expect(Math.abs((claims.iat ?? 0) - Date.now() / 1000)).toBeLessThan(60);

    const header = decodeProtectedHeader(accessToken);
    expect(header).toMatchObject({ typ: 'at+jwt', kid: expect.any(String) });
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri as string));
    const verified = await jwtVerify(accessToken, jwks, {
      issuer: discovery.issuer as string,
      audience: resource.resource as string,
      typ: 'at+jwt',
    });
    expect(verified.payload.jti).toBe(claims.jti);
    // A flipped signature byte does not verify.
    const [h, p, s] = accessToken.split('.') as [string, string, string];
    const tampered = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    await expect(jwtVerify(tampered, jwks)).rejects.toThrow();
  });

  it('B.7 rotating the credential: old token 401, new token 200', async () => {
    const reply = await api.request(
      'POST',
      `/api/v1/agents/${agentId}/credentials/${credential.credential_id}/rotate`,
      {
        token: adminToken,
        json: {},
      },
    );
    expect(reply.status).toBe(201);
    rotated = reply.body as unknown as Credential;
    expect(rotated.credential_id).not.toBe(credential.credential_id);
    expect(rotated.client_id).not.toBe(credential.client_id);
    expect([...rotated.scopes].sort()).toEqual([...credential.scopes].sort());

    const old = await api.request('GET', '/api/v1/agents', { token: accessToken });
    expect(old.status).toBe(401);
    expect(old.body.code).toBe('invalid_token');
    // The old secret no longer gets a token either.
    const oldSecret = await api.token(credential.client_id, credential.client_secret);
    expect(oldSecret.status).toBe(401);
    expect(oldSecret.body.error).toBe('invalid_client');

    newToken = await api.accessToken(rotated.client_id, rotated.client_secret, tokenScope.join(' '));
    const fresh = await api.request('GET', '/api/v1/agents', { token: newToken });
    expect(fresh.status).toBe(200);
  });

  it('B.8 GET /api/v1/audit (new token) shows the journey: organization.created, agent.created, credential.generated, token.issued, credential.rotated, token.revoked, auth.failed', async () => {
    const page = await api.request('GET', '/api/v1/audit?limit=10', { token: newToken });
    expect(page.status).toBe(200);
    expect(Array.isArray(page.body.data)).toBe(true);

    const firstJti = decodeJwt(accessToken).jti;
    const secondJti = decodeJwt(newToken).jti;
    const find = (events: AuditEvent[], action: string, match: (e: AuditEvent) => boolean = () => true) =>
      events.find((e) => e.action === action && match(e));
    const journey: Record<string, (events: AuditEvent[]) => AuditEvent | undefined> = {
      'organization.created': (ev) => find(ev, 'organization.created'),
      'agent.created': (ev) => find(ev, 'agent.created', (e) => e.agent_id === agentId),
      'credential.generated': (ev) =>
        find(ev, 'credential.generated', (e) => e.details.credential_id === credential.credential_id),
      'token.issued (first token)': (ev) => find(ev, 'token.issued', (e) => e.details.jti === firstJti),
      'token.issued (after rotation)': (ev) => find(ev, 'token.issued', (e) => e.details.jti === secondJti),
      'credential.rotated': (ev) =>
        find(
          ev,
          'credential.rotated',
          (e) =>
            e.details.old_credential_id === credential.credential_id &&
            e.details.new_credential_id === rotated.credential_id,
        ),
      'token.revoked': (ev) =>
        find(ev, 'token.revoked', (e) => e.agent_id === agentId && e.details.reason === 'credential_rotated'),
      'auth.failed': (ev) =>
        find(
          ev,
          'auth.failed',
          (e) => e.outcome === 'failure' && e.details.client_id === credential.client_id,
        ),
    };
    const events = await waitForAudit(
      newToken,
      (ev) => Object.values(journey).every((check) => check(ev) !== undefined),
      `the journey's events (${Object.keys(journey).join(', ')})`,
    );
    for (const event of events) expect(event.organization_id).toBe(orgId);

    const verify = await api.request('GET', '/api/v1/audit/verify', { token: newToken });
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ verified: true, broken_at_event_id: null });
  });
});
