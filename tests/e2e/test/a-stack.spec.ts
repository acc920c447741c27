import { sample } from '@agentidp/launcher/testing';
import { api, metricsText, newOrg, stack } from './support';

/**
 * Phase A of the field trial: the stack is up. A.1–A.3 (build, start, migrate) are the global setup,
 * which ran the migrate job and then each service as its own process until `/ready` said 200.
 */

/** The token path's metrics (gateway `src/metrics.ts`) and the HTTP ones, by name. */
const GATEWAY_METRICS = [
  'agentidp_tokens_issued_total',
  'agentidp_oidc_tokens_issued_total',
  'agentidp_tokens_revoked_total',
  'agentidp_token_introspections_total',
  'agentidp_client_auth_failures_total',
  'agentidp_rate_limit_hits_total',
  'agentidp_tier_limit_hits_total',
  'agentidp_redis_command_duration_seconds',
  'agentidp_http_requests_total',
  'agentidp_http_request_duration_seconds',
];

/** Audit's own endpoint (AUDIT_METRICS_PORT): the hash-chain metrics. */
const AUDIT_METRICS = [
  'agentidp_audit_chain_integrity',
  'agentidp_audit_events_appended_total',
  'agentidp_audit_chain_last_verification_timestamp_seconds',
];

function helpLines(text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('# HELP agentidp_'));
}

describe('Phase A: stack startup', () => {
  it('A.4 GET /health answers 200 {"status":"ok"}', async () => {
    const reply = await api.request('GET', '/health');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok' });
  });

  it('A.4 GET /ready answers 200 with every service and dependency up', async () => {
    const reply = await api.request('GET', '/ready');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      status: 'ready',
      checks: {
        registry: 'up',
        auth: 'up',
        audit: 'up',
        billing: 'up',
        database: 'up',
        store: 'up',
        revocations: 'up',
      },
    });
  });

  it('A.5 GET /metrics is Prometheus text with at least 19 "# HELP agentidp_" lines, the token-path metrics among them', async () => {
    const metrics = await metricsText();
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain/);
    expect(metrics.text.startsWith('# HELP ')).toBe(true);
    const help = helpLines(metrics.text);
    expect(help.length).toBeGreaterThanOrEqual(19);
    const named = help.map((line) => line.split(' ')[2]);
    expect(named).toEqual(expect.arrayContaining(GATEWAY_METRICS));
    // No client or organization ids as labels: they are unbounded.
    expect(metrics.text).not.toMatch(/(client_id|organization_id|org_id)="/);
  });

  it("A.5 audit serves its own /metrics (AUDIT_METRICS_PORT) with the hash chain's metrics", async () => {
    const metrics = await metricsText(stack.auditMetricsUrl);
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain/);
    expect(helpLines(metrics.text).map((line) => line.split(' ')[2])).toEqual(
      expect.arrayContaining(AUDIT_METRICS),
    );
  });

  it('A.5 issuing a token increments agentidp_tokens_issued_total by one', async () => {
    const org = await newOrg('Metrics'); // issues the admin's token
    const issued = () =>
      metricsText().then((m) =>
        sample(m.text, 'agentidp_tokens_issued_total', { grant_type: 'client_credentials' }),
      );
    const before = await issued();
    expect(before).toBeGreaterThanOrEqual(1);
    const reply = await api.token(org.adminClientId, org.adminSecret, 'agents:read');
    expect(reply.status).toBe(200);
    expect(await issued()).toBe(before + 1);
  });
});
