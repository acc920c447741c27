import * as path from 'node:path';
import type { ServiceDefinition } from '@agentidp/nest-kit';
import { AUTH_PROTO } from '@agentidp/proto';
import { AGENTID_AUTH_V1_PACKAGE_NAME } from '@agentidp/proto/nest/agentid/auth/v1/auth';
import { KeysModule } from './keys/keys.module';
import { TokensModule } from './tokens/tokens.module';

/** The auth service: signing keys, the JWKS and token issuance. Its events go to audit via the outbox. */
export const authService: ServiceDefinition = {
  name: 'auth',
  api: { packageName: AGENTID_AUTH_V1_PACKAGE_NAME, protoFile: AUTH_PROTO },
  migrationsDir: path.resolve(__dirname, '..', 'migrations'),
  imports: [KeysModule, TokensModule],
  outbox: true,
};
