import type { RunningStack } from '../src/stack';
import { ApiClient } from './api-client';
import { startTestStack, type StackEnv } from './helpers';

const PLATFORM_ADMIN_TOKEN = 'platform-admin-token-for-tests-0123456789';

/** Closed signup and the per-IP signup budget, through the gateway. */
describe('signup guard (SIGNUP_MODE=closed, 3 per hour)', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  const run = `${process.pid}-${Date.now().toString(36)}`;
  const slug = (n: number) => `closed-${run}-${n}`;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({
      env: { SIGNUP_MODE: 'closed', PLATFORM_ADMIN_TOKEN, SIGNUP_RATE_LIMIT_PER_HOUR: '3' },
    }));
    api = new ApiClient(stack.gateway.url);
    // The budget is per IP and hour in a store tests may share: start from a clean slate.
    const window = Math.floor(Date.now() / 3_600_000);
    await stack.store.del(`rl:signup:127.0.0.1:${window}`, `rl:signup:::ffff:127.0.0.1:${window}`);
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  it('refuses without the platform admin token (401) and with a wrong one (403)', async () => {
    const none = await api.request('POST', '/api/v1/organizations', { json: { name: 'A', slug: slug(0) } });
    expect([none.status, none.body.code]).toEqual([401, 'invalid_token']);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="agentidp"');
    const wrong = await api.request('POST', '/api/v1/organizations', {
      token: `${PLATFORM_ADMIN_TOKEN}x`,
      json: { name: 'A', slug: slug(0) },
    });
    expect([wrong.status, wrong.body.code]).toEqual([403, 'forbidden']);
  });

  it('creates with the token, answers 409 for a taken slug, then 429 with Retry-After past the budget', async () => {
    const first = await api.request('POST', '/api/v1/organizations', {
      token: PLATFORM_ADMIN_TOKEN,
      json: { name: 'A', slug: slug(1) },
    });
    expect(first.status).toBe(201);
    const taken = await api.request('POST', '/api/v1/organizations', {
      token: PLATFORM_ADMIN_TOKEN,
      json: { name: 'B', slug: slug(1) },
    });
    expect([taken.status, taken.body.code]).toEqual([409, 'conflict']);
    const third = await api.request('POST', '/api/v1/organizations', {
      token: PLATFORM_ADMIN_TOKEN,
      json: { name: 'C', slug: slug(3) },
    });
    expect(third.status).toBe(201);
    const over = await api.request('POST', '/api/v1/organizations', {
      token: PLATFORM_ADMIN_TOKEN,
      json: { name: 'D', slug: slug(4) },
    });
    expect([over.status, over.body.code]).toEqual([429, 'rate_limit_exceeded']);
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
  });
});
