import { Module } from '@nestjs/common';
import { RevocationPublisher } from './revocation.publisher';
import { RevocationRepository } from './revocation.repository';

@Module({
  providers: [RevocationPublisher, RevocationRepository],
  exports: [RevocationPublisher],
})
export class RevocationModule {}
