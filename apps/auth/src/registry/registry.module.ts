import { Module } from '@nestjs/common';
import { CommonModule } from '../common/common.module';
import { ClientAuthenticator } from './client-authenticator';
import { RegistryClient } from './registry.client';

/** Client authentication against the registry, shared by the token, introspection and revocation endpoints. */
@Module({
  imports: [CommonModule],
  providers: [RegistryClient, ClientAuthenticator],
  exports: [ClientAuthenticator],
})
export class RegistryModule {}
