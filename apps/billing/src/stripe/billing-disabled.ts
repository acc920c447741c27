import { DomainError } from '@agentidp/shared/errors';

/**
 * The problem every Stripe-backed RPC answers while BILLING_ENABLED=false (the default of
 * embedded mode): a 409 that says why and what to do, never a Stripe call.
 */
export function billingDisabled(): DomainError {
  return new DomainError(
    'conflict',
    'Billing is disabled on this deployment (BILLING_ENABLED=false): tier upgrades through Stripe are not available. ' +
      'An operator can enable billing or set the tier directly.',
    { details: { billing_enabled: false } },
  );
}
