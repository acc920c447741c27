import * as path from 'node:path';
import type { ServiceDefinition } from '@agentidp/nest-kit';
import { REGISTRY_PROTO } from '@agentidp/proto';
import { AGENTID_REGISTRY_V1_PACKAGE_NAME } from '@agentidp/proto/nest/agentid/registry/v1/registry';
import { AgentsModule } from './agents/agents.module';
import { CredentialsModule } from './credentials/credentials.module';
import { OrganizationsModule } from './organizations/organizations.module';

/**
 * The registry service: organizations, agents and credentials (agentid.registry.v1), schema
 * `registry`, events through its outbox. Revocations are published to the shared store.
 */
export const registryService: ServiceDefinition = {
  name: 'registry',
  api: { packageName: AGENTID_REGISTRY_V1_PACKAGE_NAME, protoFile: REGISTRY_PROTO },
  migrationsDir: path.resolve(__dirname, '..', 'migrations'),
  imports: [OrganizationsModule, AgentsModule, CredentialsModule],
  outbox: true,
};
