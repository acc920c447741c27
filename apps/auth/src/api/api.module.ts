import { Module } from '@nestjs/common';
import { IntrospectionModule } from '../introspection/introspection.module';
import { KeysModule } from '../keys/keys.module';
import { RevocationModule } from '../revocation/revocation.module';
import { TokensModule } from '../tokens/tokens.module';
import { AuthGrpcController } from './auth.grpc.controller';

/** The gRPC surface of auth (agentid.auth.v1.AuthService) over its feature modules. */
@Module({
  imports: [KeysModule, TokensModule, IntrospectionModule, RevocationModule],
  controllers: [AuthGrpcController],
})
export class ApiModule {}
