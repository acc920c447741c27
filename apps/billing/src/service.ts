import * as path from 'node:path';
import type { ServiceDefinition } from '@agentidp/nest-kit';
import { BILLING_PROTO } from '@agentidp/proto';
import { AGENTID_BILLING_V1_PACKAGE_NAME } from '@agentidp/proto/nest/agentid/billing/v1/billing';
import { StripeModule } from './stripe/stripe.module';
import { TiersModule } from './tiers/tiers.module';
import { UsageModule } from './usage/usage.module';

/**
 * The billing service (agentid.billing.v1): each organization's tier and per-org overrides,
 * the usage history persisted from the store's daily counters, and Stripe checkout + webhooks.
 * Schema `billing`; `tier.changed` events through its outbox.
 */
export const billingService: ServiceDefinition = {
  name: 'billing',
  api: { packageName: AGENTID_BILLING_V1_PACKAGE_NAME, protoFile: BILLING_PROTO },
  migrationsDir: path.resolve(__dirname, '..', 'migrations'),
  imports: [TiersModule, StripeModule, UsageModule],
  outbox: true,
};
