import * as path from 'node:path';
import type { ServiceDefinition } from '@agentidp/nest-kit';

/** The registry service: its schema and feature modules. */
export const registryService: ServiceDefinition = {
  name: 'registry',
  // TODO(issue 3): the registry API (agentid.registry.v1) and its feature modules arrive with the RPCs
  // that need them; until then the service serves gRPC health and relays its outbox.
  migrationsDir: path.resolve(__dirname, '..', 'migrations'),
  imports: [],
  outbox: true,
};
