import { z } from 'zod';
import { ACTION_NAME_PATTERN, MAX_ACTION_NAME_LENGTH, uuid } from '@agentidp/shared/identity';
import { dateTime, safeString } from '@agentidp/shared/schema';
import { pageQuery } from './schemas';

/**
 * Query schemas of the audit, analytics and compliance endpoints. Objects are strict: an
 * unknown parameter is an error, not silently ignored.
 */

/** `from` ≤ `to` when both are given. */
function ordered(range: { from?: string; to?: string }): boolean {
  return !range.from || !range.to || new Date(range.from).getTime() <= new Date(range.to).getTime();
}

export const listAuditQuery = z
  .strictObject({
    ...pageQuery,
    action: safeString()
      .max(MAX_ACTION_NAME_LENGTH, { message: 'must be an action name like token.issued' })
      .regex(ACTION_NAME_PATTERN, { message: 'must be an action name like token.issued' })
      .optional(),
    agent_id: uuid.optional(),
    outcome: z.enum(['success', 'failure'], { message: 'must be success or failure' }).optional(),
    from: dateTime().optional(),
    to: dateTime().optional(),
  })
  .refine(ordered, { path: ['from'], message: 'must not be after to' });

export const verifyAuditQuery = z
  .strictObject({ from: dateTime().optional(), to: dateTime().optional() })
  .refine(ordered, { path: ['from'], message: 'must not be after to' });

export const auditEventParam = z.strictObject({ event_id: uuid });

/** `days`: 1–90, default 30 (0, 91 and `abc` are all refused, naming the parameter). */
const days = z.coerce
  .number({ message: 'must be an integer from 1 to 90' })
  .int({ message: 'must be an integer from 1 to 90' })
  .min(1, { message: 'must be an integer from 1 to 90' })
  .max(90, { message: 'must be an integer from 1 to 90' })
  .optional();

export const analyticsDaysQuery = z.strictObject({ days });

export const agentSummaryQuery = z.strictObject({
  month: safeString()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'must be a month as YYYY-MM' })
    .optional(),
});

/** The agent cards: a list like the others (`limit`, `cursor`). */
export const agentCardsQuery = z.strictObject({ ...pageQuery });

export const noQuery = z.strictObject({});
