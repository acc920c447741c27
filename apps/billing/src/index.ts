import { startService, type RunningService, type StartServiceOptions } from '@agentidp/nest-kit';
import { billingService } from './service';

export { loadBillingConfig, type BillingConfig } from './config';
export { billingService };

/** Starts the billing gRPC service in this process (embedded launcher, tests). */
export function startBilling(options: StartServiceOptions): Promise<RunningService> {
  return startService(billingService, options);
}
