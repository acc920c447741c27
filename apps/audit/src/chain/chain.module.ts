import { Module } from '@nestjs/common';
import { ChainHasher } from './chain.hasher';

@Module({ providers: [ChainHasher], exports: [ChainHasher] })
export class ChainModule {}
