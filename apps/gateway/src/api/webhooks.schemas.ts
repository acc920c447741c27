import { z } from 'zod';
import { uuid, webhookFields } from '@agentidp/shared/identity';
import { pageQuery } from './schemas';

/** Request schemas of the webhook endpoints, from the shared webhook field rules. Strict objects. */

export const createWebhookBody = z.strictObject({
  name: webhookFields.name,
  url: webhookFields.url,
  events: webhookFields.events,
});

export const updateWebhookBody = z
  .strictObject({
    name: webhookFields.name.optional(),
    url: webhookFields.url.optional(),
    events: webhookFields.events.optional(),
    active: z.boolean({ message: 'must be true or false' }).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'must change at least one field' });

export const webhookParam = z.strictObject({ webhook_id: uuid });
export const deliveryParams = z.strictObject({ webhook_id: uuid, delivery_id: uuid });
export const listDeliveriesQuery = z.strictObject({ ...pageQuery });
