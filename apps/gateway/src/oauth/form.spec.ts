import request from 'supertest';
import { IssueTokenResponse } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { basicAuthorization, metricValue, postForm, testGateway, type TestGateway } from '../testing';

const GOOD = {
  grant_type: 'client_credentials',
  client_id: 'agidp_client1',
  client_secret: 'agidp_sk_secret1',
};

/** POST /oauth2/token with a form body (and optional Authorization). */
const postToken = (gateway: TestGateway, fields: Record<string, string>, authorization?: string) =>
  postForm(gateway.app, '/oauth2/token', fields, authorization);

function expectOAuthError(res: request.Response, status: number, error: string, description: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.body).toEqual({ error, error_description: description });
}

describe('OAuth form parsing and client authentication', () => {
  describe.each(['/oauth2/token', '/oauth2/introspect', '/oauth2/revoke'])('%s', (path) => {
    it('refuses a body that is not a form, before asking auth', async () => {
      const gateway = await testGateway();
      const res = await request(gateway.app).post(path).send({ client_id: 'x', token: 't' });
      expectOAuthError(res, 400, 'invalid_request', 'The body must be application/x-www-form-urlencoded');
      expect(res.headers.pragma).toBe('no-cache');
      for (const method of Object.values(gateway.auth)) expect(method.calls).toHaveLength(0);
    });

    it('refuses a parameter sent twice (RFC 6749 §3.2)', async () => {
      const gateway = await testGateway();
      const res = await postForm(gateway.app, path, [
        ...Object.entries(GOOD),
        ['token', 'a'],
        ['token', 'b'],
      ]);
      expectOAuthError(res, 400, 'invalid_request', 'Parameter token was sent more than once');
    });
  });

  it('form fields (client_secret_post) reach auth as sent, with the caller address', async () => {
    const gateway = await testGateway();
    const res = await postToken(gateway, { ...GOOD, scope: 'agents:read', nonce: 'n-1' });
    expect(res.status).toBe(200);
    expect(gateway.auth.issueToken.calls.map((c) => c.request)).toEqual([
      {
        grantType: 'client_credentials',
        clientId: 'agidp_client1',
        clientSecret: 'agidp_sk_secret1',
        scope: 'agents:read',
        clientIp: expect.stringMatching(/127\.0\.0\.1$/),
        nonce: 'n-1',
      },
    ]);
  });

  it('HTTP Basic (client_secret_basic) is form-urlencoded inside: "+", "%3A" and ":" decode exactly', async () => {
    const gateway = await testGateway();
    const secret = 'se:cr et+%/=';
    const res = await postToken(
      gateway,
      { grant_type: 'client_credentials' },
      basicAuthorization('agidp_client1', secret),
    );
    expect(res.status).toBe(200);
    expect(gateway.auth.issueToken.calls[0]?.request).toMatchObject({
      clientId: 'agidp_client1',
      clientSecret: secret,
    });
  });

  it('Basic with the same client_id in the body is accepted; a different one is refused', async () => {
    const gateway = await testGateway();
    const basic = basicAuthorization('agidp_client1', 'agidp_sk_secret1');
    const same = await postToken(
      gateway,
      { grant_type: 'client_credentials', client_id: 'agidp_client1' },
      basic,
    );
    expect(same.status).toBe(200);
    const other = await postToken(
      gateway,
      { grant_type: 'client_credentials', client_id: 'agidp_client2' },
      basic,
    );
    expectOAuthError(other, 400, 'invalid_request', 'client_id in the body differs from HTTP Basic');
    expect(gateway.auth.issueToken.calls).toHaveLength(1);
  });

  it('Basic and a client_secret form field together are refused: one method only', async () => {
    const gateway = await testGateway();
    const res = await postToken(gateway, GOOD, basicAuthorization('agidp_client1', 'x'));
    expectOAuthError(
      res,
      400,
      'invalid_request',
      'Use one client authentication method, not Basic and form fields',
    );
    expect(gateway.auth.issueToken.calls).toHaveLength(0);
  });

  it('malformed Basic credentials are invalid_client without asking auth, and count as failed authentications', async () => {
    const gateway = await testGateway({ rateLimit: { authFailures: 3 } });
    const malformed = [
      `Basic ${Buffer.from('no-colon-here').toString('base64')}`,
      `Basic ${Buffer.from('%ZZ:secret').toString('base64')}`,
      `Basic ${Buffer.from('client:%E0%A4%A').toString('base64')}`,
    ];
    for (const authorization of malformed) {
      const res = await postToken(gateway, { grant_type: 'client_credentials' }, authorization);
      expectOAuthError(res, 401, 'invalid_client', 'Client authentication failed');
      expect(res.headers['www-authenticate']).toBe('Basic realm="agentidp"');
    }
    expect(gateway.auth.issueToken.calls).toHaveLength(0);
    expect(await metricValue(gateway.metrics, 'agentidp_client_auth_failures_total')).toBe(3);
    // Malformed credentials share one budget at the address; a real client there is untouched.
    const again = await postToken(gateway, { grant_type: 'client_credentials' }, malformed[0]);
    expect(again.status).toBe(429);
    expect((await postToken(gateway, GOOD)).status).toBe(200);
  });

  it('another Authorization scheme (Bearer, garbage) is refused', async () => {
    const gateway = await testGateway();
    for (const authorization of ['Bearer abc.def.ghi', 'Basic !!!', 'Digest username="x"']) {
      const res = await postToken(gateway, GOOD, authorization);
      expectOAuthError(res, 400, 'invalid_request', 'Unsupported Authorization scheme for this endpoint');
    }
    expect(gateway.auth.issueToken.calls).toHaveLength(0);
  });

  it('without any client authentication auth gets empty credentials and decides (invalid_client)', async () => {
    const gateway = await testGateway();
    gateway.auth.issueToken.answer = () =>
      IssueTokenResponse.fromPartial({
        error: 'invalid_client',
        errorDescription: 'Client authentication failed',
      });
    const res = await postToken(gateway, { grant_type: 'client_credentials' });
    expectOAuthError(res, 401, 'invalid_client', 'Client authentication failed');
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(gateway.auth.issueToken.calls[0]?.request).toMatchObject({ clientId: '', clientSecret: '' });
  });

  it('a client_id with a NUL byte is a failed authentication the gateway answers itself, never a 5xx', async () => {
    const gateway = await testGateway();
    const form = await postToken(gateway, { ...GOOD, client_id: 'agidp_\u0000x' });
    expectOAuthError(form, 401, 'invalid_client', 'Client authentication failed');
    const basic = await postToken(
      gateway,
      { grant_type: 'client_credentials' },
      basicAuthorization('agidp_\u0000x', 's'),
    );
    expectOAuthError(basic, 401, 'invalid_client', 'Client authentication failed');
    expect(basic.headers['www-authenticate']).toBe('Basic realm="agentidp"');
    expect(gateway.auth.issueToken.calls).toHaveLength(0);
    expect(await metricValue(gateway.metrics, 'agentidp_client_auth_failures_total')).toBe(2);
  });

  it('a body over 16 KiB is refused as too large', async () => {
    const gateway = await testGateway();
    const res = await postToken(gateway, { ...GOOD, scope: 'a'.repeat(17 * 1024) });
    expectOAuthError(res, 400, 'invalid_request', 'The request body is too large');
    expect(gateway.auth.issueToken.calls).toHaveLength(0);
  });

  it('more than 20 parameters cannot be parsed', async () => {
    const gateway = await testGateway();
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`p${i}`, 'x']));
    const res = await postToken(gateway, { ...GOOD, ...many });
    expectOAuthError(res, 400, 'invalid_request', 'The request body could not be parsed');
    expect(gateway.auth.issueToken.calls).toHaveLength(0);
  });
});
