import { describeBackends } from './backends';

/** Jest globalSetup: says once which backends the integration tests run against. */
export default async function globalSetup(): Promise<void> {
  process.stdout.write(`${describeBackends()}\n`);
}
