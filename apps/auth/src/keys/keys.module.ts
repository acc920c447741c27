import { Module } from '@nestjs/common';
import { AccessTokenVerifier } from './access-token.verifier';
import { KeysRepository } from './keys.repository';
import { KeysService } from './keys.service';

@Module({
  providers: [KeysService, KeysRepository, AccessTokenVerifier],
  exports: [KeysService, AccessTokenVerifier],
})
export class KeysModule {}
