import * as path from 'node:path';
import type { ChannelCredentials, ChannelOptions } from '@grpc/grpc-js';
import {
  ensureDevGrpcTls,
  grpcChannelCredentials,
  grpcChannelOptions,
  grpcServerCredentials,
  type GrpcComponent,
} from '../grpc';
import type { ServerCredentials } from '@grpc/grpc-js';

/** The DATA_DIR a service started without one uses (relative to the working directory). */
const DEFAULT_DATA_DIR = '.data';

function devDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'grpc-tls');
}

/**
 * Credentials and options for a test's own channel to `service`, with the development certificate
 * of `as` (the gateway's by default: what a test calling a service directly stands in for) from
 * the same DATA_DIR the service under test uses.
 */
export async function testChannel(
  service: GrpcComponent,
  as: GrpcComponent = 'gateway',
  dataDir = DEFAULT_DATA_DIR,
): Promise<[ChannelCredentials, ChannelOptions]> {
  const material = await ensureDevGrpcTls(devDir(dataDir), as);
  return [grpcChannelCredentials(material, service), grpcChannelOptions(service)];
}

/** Server credentials for a fake of `component` that the services under test will accept. */
export async function testServerCredentials(
  component: GrpcComponent,
  dataDir = DEFAULT_DATA_DIR,
): Promise<ServerCredentials> {
  return grpcServerCredentials(await ensureDevGrpcTls(devDir(dataDir), component));
}
