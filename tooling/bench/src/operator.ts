import { BillingServiceClient } from '@agentidp/proto/grpc/agentid/billing/v1/billing';
import {
  callUnary,
  grpcChannelCredentials,
  grpcChannelOptions,
  type GrpcTlsMaterial,
} from '@agentidp/shared/grpc';
import { runWithContext } from '@agentidp/shared/runtime';

/**
 * Puts the bench organization on the enterprise tier (unlimited calls, tokens and agents) through
 * billing's operator RPC `SetTierOverride`, the path an operator uses for a contract: the load test
 * measures the service, not the free tier's daily quotas, and no limit is switched off in code or
 * configuration (TIER_ENFORCEMENT stays on, so the counters are still on the measured path).
 */
export async function grantEnterprise(
  billingTarget: string,
  orgId: string,
  tls: GrpcTlsMaterial,
): Promise<void> {
  // An operator presents the gateway's certificate: the one identity billing takes tenant context from.
  const billing = new BillingServiceClient(
    billingTarget,
    grpcChannelCredentials(tls, 'billing'),
    grpcChannelOptions('billing'),
  );
  try {
    // Billing takes the organization only from `x-organization-id`, which callUnary copies from
    // the request context.
    const reply = await runWithContext({ requestId: 'bench-setup', organizationId: orgId }, () =>
      callUnary(billing.setTierOverride.bind(billing), { tier: 'enterprise', reason: 'pnpm bench' }),
    );
    if (reply.tier !== 'enterprise') throw new Error(`billing kept the bench org on ${reply.tier}`);
  } finally {
    billing.close();
  }
}
