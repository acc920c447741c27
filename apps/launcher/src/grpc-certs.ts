import * as path from 'node:path';
import { writeGrpcTlsDirs } from '@agentidp/shared/grpc';

/**
 * `node apps/launcher/dist/grpc-certs.js [dir]` (default `.grpc-tls`): the private CA of internal
 * gRPC and one certificate directory per component (`<dir>/<component>/{ca.crt,tls.crt,tls.key}`),
 * what compose mounts as each app's GRPC_TLS_DIR and what Helm's per-component Secrets hold. Keeps
 * what exists; `<dir>/ca.pem` holds the CA key: keep it out of every container.
 */
async function main(): Promise<void> {
  const root = path.resolve(process.argv[2] ?? '.grpc-tls');
  const dirs = await writeGrpcTlsDirs(root);
  process.stdout.write(`${dirs.map((dir) => `${dir}\n`).join('')}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`grpc-certs: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
