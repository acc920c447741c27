import { Module } from '@nestjs/common';
import { KeysRepository } from './keys.repository';
import { KeysService } from './keys.service';

@Module({
  providers: [KeysService, KeysRepository],
  exports: [KeysService],
})
export class KeysModule {}
