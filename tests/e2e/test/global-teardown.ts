import { stopE2eStack } from './stack';

export default async function globalTeardown(): Promise<void> {
  await stopE2eStack();
}
