import { z } from 'zod';

/**
 * Request schemas of the tier and billing endpoints. Strict: an
 * unknown field or parameter is an error, not silently ignored.
 */

/** Only paid tiers can be bought; whether it is higher than the current one is billing's check. */
export const upgradeBody = z.strictObject({
  target_tier: z.enum(['pro', 'enterprise'], { message: 'must be pro or enterprise' }),
});

export const usageQuery = z.strictObject({
  days: z.coerce
    .number({ message: 'must be an integer from 1 to 90' })
    .int({ message: 'must be an integer from 1 to 90' })
    .min(1, { message: 'must be an integer from 1 to 90' })
    .max(90, { message: 'must be an integer from 1 to 90' })
    .optional(),
});
