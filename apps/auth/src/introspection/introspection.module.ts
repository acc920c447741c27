import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { RegistryModule } from '../registry/registry.module';
import { IntrospectionService } from './introspection.service';

@Module({
  imports: [KeysModule, RegistryModule],
  providers: [IntrospectionService],
  exports: [IntrospectionService],
})
export class IntrospectionModule {}
