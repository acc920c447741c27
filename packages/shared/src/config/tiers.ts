import type { z } from 'zod';
import { flag } from './env';

/**
 * Quota enforcement, read by every process that enforces a tier limit (gateway: daily calls,
 * auth: daily tokens, registry: agents). One definition so the three never disagree.
 */
export const tierEnforcementShape = {
  /** `false`: never refuse over a tier limit, but keep counting (usage and tiers/status stay right). */
  TIER_ENFORCEMENT: flag(true),
};

type TierEnforcementEnv = z.output<z.ZodObject<typeof tierEnforcementShape>>;

/** Whether tier limits refuse requests (TIER_ENFORCEMENT). */
export function toTierEnforcement(env: TierEnforcementEnv): boolean {
  return env.TIER_ENFORCEMENT;
}
