import { Module } from '@nestjs/common';
import { ClientAuthenticator } from './client-authenticator';
import { RegistryClient } from './registry.client';

/** Client authentication against the registry, shared by the token, introspection and revocation endpoints. */
@Module({
  providers: [RegistryClient, ClientAuthenticator],
  exports: [ClientAuthenticator],
})
export class RegistryModule {}
