import * as path from 'node:path';
import type { ServiceDefinition } from '@agentidp/nest-kit';
import { AUTH_PROTO } from '@agentidp/proto';
import { AGENTID_AUTH_V1_PACKAGE_NAME } from '@agentidp/proto/nest/agentid/auth/v1/auth';
import { ApiModule } from './api/api.module';

/**
 * The auth service: signing keys and the JWKS, token issuance (access + id tokens), introspection
 * and revocation. Its events go to audit via the outbox; its revocations to the shared store.
 */
export const authService: ServiceDefinition = {
  name: 'auth',
  api: { packageName: AGENTID_AUTH_V1_PACKAGE_NAME, protoFile: AUTH_PROTO },
  migrationsDir: path.resolve(__dirname, '..', 'migrations'),
  imports: [ApiModule],
  outbox: true,
};
