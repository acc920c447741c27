import { z } from 'zod';
import { AGENT_STATUSES, CREDENTIAL_STATUSES, DEPLOYMENT_ENVS } from '@agentidp/shared/identity';
import { TIER_NAMES } from '@agentidp/shared/tiers';

/**
 * Response bodies of the JSON API, as the presenters build them. The OpenAPI document renders these,
 * and in tests every response is checked against its operation's schema: what a client reads in
 * the document is what the code sends. Objects are strict, so a field a presenter adds without a
 * schema fails the tests.
 */

const id = (description: string) => z.uuid().meta({ description });
const time = z.iso.datetime({ offset: true });
const nullableTime = time.nullable();
const count = z.number().int().min(0);

const EXAMPLE_TIME = '2026-11-23T10:00:00.000Z';
const EXAMPLE_ORG = '0190f5c2-7a3e-7c61-9d0e-5b6a1c2d3e4f';
const EXAMPLE_AGENT = '0190f5c2-8b4f-7d72-8e1f-6c7b2d3e4f50';
const EXAMPLE_CREDENTIAL = '0190f5c2-9c50-7e83-9f20-7d8c3e4f5061';

/** `{ data, next_cursor }`: every list of the API pages the same way. */
export function page<T extends z.ZodType>(item: T) {
  return z.strictObject({
    data: z.array(item),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last.' }),
  });
}

export const organizationResponse = z
  .strictObject({
    org_id: id('The organization'),
    name: z.string(),
    slug: z.string(),
    tier: z.enum(TIER_NAMES),
    status: z.string().meta({ examples: ['active'] }),
    created_at: nullableTime,
    updated_at: nullableTime,
  })
  .meta({
    id: 'Organization',
    examples: [
      {
        org_id: EXAMPLE_ORG,
        name: 'Acme',
        slug: 'acme',
        tier: 'free',
        status: 'active',
        created_at: EXAMPLE_TIME,
        updated_at: EXAMPLE_TIME,
      },
    ],
  });

export const signupResponse = z
  .strictObject({
    ...organizationResponse.shape,
    admin_credential: z.strictObject({
      agent_id: id("The organization's admin agent"),
      credential_id: id('The admin credential'),
      client_id: z.string(),
      client_secret: z.string().meta({ description: 'Shown only in this response.' }),
      scopes: z.array(z.string()),
    }),
  })
  .meta({ id: 'SignupResult' });

export const agentResponse = z
  .strictObject({
    agent_id: id('The agent'),
    organization_id: id('Its organization'),
    email: z.string(),
    agent_type: z.string(),
    version: z.string(),
    capabilities: z.array(z.string()),
    owner: z.string(),
    deployment_env: z.enum(DEPLOYMENT_ENVS),
    status: z.enum(AGENT_STATUSES),
    did: z.string().meta({ description: 'did:web identifier of the agent' }),
    metadata: z.record(z.string(), z.unknown()),
    created_at: nullableTime,
    updated_at: nullableTime,
  })
  .meta({
    id: 'Agent',
    examples: [
      {
        agent_id: EXAMPLE_AGENT,
        organization_id: EXAMPLE_ORG,
        email: 'screener-001@acme.example',
        agent_type: 'screener',
        version: '1.0.0',
        capabilities: ['documents:read'],
        owner: 'team-a',
        deployment_env: 'production',
        status: 'active',
        did: `did:web:localhost%3A3000:agents:${EXAMPLE_AGENT}`,
        metadata: {},
        created_at: EXAMPLE_TIME,
        updated_at: EXAMPLE_TIME,
      },
    ],
  });

export const agentPage = page(agentResponse).meta({ id: 'AgentPage' });

const credentialShape = {
  credential_id: id('The credential'),
  agent_id: id('The agent it belongs to'),
  client_id: z.string().meta({ examples: ['agidp_3q2…'] }),
  scopes: z.array(z.string()),
  status: z.enum(CREDENTIAL_STATUSES),
  created_at: nullableTime,
  expires_at: nullableTime,
};

export const credentialResponse = z
  .strictObject({ ...credentialShape, revoked_at: nullableTime })
  .meta({ id: 'Credential' });

export const credentialPage = page(credentialResponse).meta({ id: 'CredentialPage' });

export const issuedCredentialResponse = z
  .strictObject({
    ...credentialShape,
    client_secret: z.string().meta({ description: 'Shown only in this response.' }),
  })
  .meta({
    id: 'IssuedCredential',
    examples: [
      {
        credential_id: EXAMPLE_CREDENTIAL,
        agent_id: EXAMPLE_AGENT,
        client_id: 'agidp_3q2…',
        scopes: ['documents:read'],
        status: 'active',
        created_at: EXAMPLE_TIME,
        expires_at: null,
        client_secret: 'agidp_sk_…',
      },
    ],
  });

export const auditEventResponse = z
  .strictObject({
    event_id: id('The event'),
    timestamp: nullableTime,
    action: z.string().meta({ examples: ['token.issued'] }),
    outcome: z.enum(['success', 'failure']),
    organization_id: id('The organization'),
    agent_id: z.uuid().nullable(),
    actor: z.strictObject({ client_id: z.string().nullable(), agent_id: z.uuid().nullable() }),
    details: z.record(z.string(), z.unknown()),
    request_id: z.string().nullable(),
    source: z.string(),
    sequence: count.meta({ description: "Position in the organization's hash chain" }),
    hash: z.string().nullable(),
    previous_hash: z.string().nullable(),
    recorded_at: nullableTime,
  })
  .meta({ id: 'AuditEvent' });

export const auditPage = page(auditEventResponse).meta({ id: 'AuditEventPage' });

export const verificationResponse = z
  .strictObject({
    verified: z.boolean(),
    checked_count: count,
    broken_at_event_id: z.string().nullable(),
    broken_at_sequence: count.nullable(),
    reason: z.string().nullable(),
    last_sequence: count,
    from: time.optional(),
    to: time.optional(),
  })
  .meta({
    id: 'ChainVerification',
    examples: [
      {
        verified: true,
        checked_count: 42,
        broken_at_event_id: null,
        broken_at_sequence: null,
        reason: null,
        last_sequence: 42,
      },
    ],
  });

export const tokenTrendResponse = z
  .strictObject({
    organization_id: z.uuid(),
    days: z.number().int().min(1).max(90),
    data: z.array(z.strictObject({ date: z.iso.date(), count })),
  })
  .meta({ id: 'TokenTrend' });

export const agentActivityResponse = z
  .strictObject({
    organization_id: z.uuid(),
    days: z.number().int().min(1).max(90),
    data: z.array(
      z.strictObject({
        day_of_week: z.number().int().min(0).max(6).meta({ description: '0 = Sunday (UTC)' }),
        hour: z.number().int().min(0).max(23),
        count,
      }),
    ),
  })
  .meta({ id: 'AgentActivity' });

export const agentSummaryResponse = z
  .strictObject({
    organization_id: z.uuid(),
    month: z.string().meta({ examples: ['2026-11'] }),
    data: z.array(
      z.strictObject({
        agent_id: z.uuid(),
        email: z.string().nullable(),
        tokens_issued: count,
        api_calls: count,
        last_active_at: nullableTime,
        status: z.string(),
      }),
    ),
  })
  .meta({ id: 'AgentSummary' });

const controlShape = {
  id: z.string().meta({ examples: ['access_control'] }),
  name: z.string(),
  status: z.string().meta({ examples: ['passing'] }),
  last_checked: nullableTime,
  description: z.string(),
  criteria: z.array(z.string()),
};

export const complianceControlsResponse = z
  .strictObject({ controls: z.array(z.strictObject(controlShape)) })
  .meta({ id: 'ComplianceControls' });

export const complianceReportResponse = z
  .strictObject({
    generated_at: nullableTime,
    organization_id: z.uuid(),
    controls: z.array(z.strictObject({ ...controlShape, evidence: z.record(z.string(), z.unknown()) })),
    summary: z.strictObject({
      total: count,
      passing: count,
      warning: count,
      failing: count,
      unknown: count,
      overall_status: z.string(),
    }),
    from_cache: z.boolean(),
  })
  .meta({ id: 'ComplianceReport' });

export const agentCardResponse = z
  .strictObject({
    id: z.string().meta({ description: 'The agent DID' }),
    name: z.string().meta({ description: "The agent's email" }),
    version: z.string(),
    capabilities: z.array(z.string()),
    did: z.string(),
    identity: z.strictObject({
      agent_id: z.uuid(),
      organization_id: z.uuid(),
      did: z.string(),
      deployment_env: z.string(),
    }),
  })
  .meta({ id: 'AgentCard' });

export const agentCardPage = page(agentCardResponse).meta({ id: 'AgentCardPage' });

const limit = count.nullable().meta({ description: 'null: unlimited' });

export const tierStatusResponse = z
  .strictObject({
    tier: z.enum(TIER_NAMES),
    limits: z.strictObject({ max_agents: limit, max_calls_per_day: limit, max_tokens_per_day: limit }),
    usage: z.strictObject({ agent_count: count, calls_today: count, tokens_today: count }),
    reset_at: nullableTime,
  })
  .meta({
    id: 'TierStatus',
    examples: [
      {
        tier: 'free',
        limits: { max_agents: 10, max_calls_per_day: 1000, max_tokens_per_day: 1000 },
        usage: { agent_count: 1, calls_today: 12, tokens_today: 3 },
        reset_at: '2026-11-24T00:00:00.000Z',
      },
    ],
  });

export const checkoutResponse = z
  .strictObject({ checkout_url: z.url() })
  .meta({ id: 'Checkout', examples: [{ checkout_url: 'https://checkout.stripe.com/c/pay/cs_test_a1b2c3' }] });

export const usageResponse = z
  .strictObject({
    organization_id: z.uuid(),
    tier: z.enum(TIER_NAMES),
    days: count,
    data: z.array(z.strictObject({ date: z.iso.date(), api_calls: count, tokens_issued: count })),
    subscription: z
      .strictObject({ status: z.string(), tier: z.string(), current_period_end: nullableTime })
      .nullable(),
  })
  .meta({ id: 'Usage' });

export const webhookReceipt = z
  .strictObject({ received: z.literal(true), event_id: z.string(), duplicate: z.boolean() })
  .meta({ id: 'WebhookReceipt' });

const EXAMPLE_WEBHOOK = '0190f5c2-ad61-7f94-a031-8e9d4f506172';

export const webhookResponse = z
  .strictObject({
    webhook_id: id('The webhook'),
    organization_id: id('The organization'),
    name: z.string(),
    url: z.string().meta({ description: 'Where events are POSTed' }),
    events: z.array(z.string()).meta({ description: 'Event types, kinds (`agent.*`) or `*`' }),
    active: z.boolean(),
    failure_count: count.meta({ description: 'Consecutive dead letters' }),
    created_at: nullableTime,
    updated_at: nullableTime,
  })
  .meta({
    id: 'Webhook',
    examples: [
      {
        webhook_id: EXAMPLE_WEBHOOK,
        organization_id: EXAMPLE_ORG,
        name: 'CRM sync',
        url: 'https://hooks.example.com/agentidp',
        events: ['agent.*'],
        active: true,
        failure_count: 0,
        created_at: EXAMPLE_TIME,
        updated_at: EXAMPLE_TIME,
      },
    ],
  });

export const createdWebhookResponse = webhookResponse
  .extend({
    signing_secret: z
      .string()
      .meta({ description: '`whsec_` + base64 of 32 random bytes; shown only in this response' }),
  })
  .meta({ id: 'CreatedWebhook' });

export const webhookListResponse = z
  .strictObject({ data: z.array(webhookResponse) })
  .meta({ id: 'WebhookList' });

export const signingSecretResponse = z
  .strictObject({
    signing_secret: z.string().meta({ description: 'The new secret; the previous one signs too for 24 h' }),
  })
  .meta({ id: 'WebhookSigningSecret' });

export const webhookDeliveryResponse = z
  .strictObject({
    delivery_id: id('The delivery'),
    event_id: id('The event delivered (the `webhook-id` header)'),
    event_type: z.string().meta({ examples: ['agent.created'] }),
    status: z.enum(['pending', 'delivered', 'failed', 'dead_letter']),
    attempts: count,
    response_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    next_attempt_at: nullableTime,
    delivered_at: nullableTime,
    created_at: nullableTime,
  })
  .meta({ id: 'WebhookDelivery' });

export const webhookDeliveryPage = page(webhookDeliveryResponse).meta({ id: 'WebhookDeliveryPage' });

export const queuedDeliveryResponse = z
  .strictObject({ delivery_id: id('The delivery queued'), status: z.literal('pending') })
  .meta({ id: 'QueuedWebhookDelivery' });
