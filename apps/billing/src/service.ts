import * as path from 'node:path';
import type { ServiceDefinition } from '@agentidp/nest-kit';

/** The billing service: its schema and feature modules. */
export const billingService: ServiceDefinition = {
  name: 'billing',
  // TODO(issue 3, 6): the billing API (agentid.billing.v1) and its feature modules arrive with the RPCs
  // that need them; until then the service serves gRPC health and relays its outbox.
  migrationsDir: path.resolve(__dirname, '..', 'migrations'),
  imports: [],
  outbox: true,
};
