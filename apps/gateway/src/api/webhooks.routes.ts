import { parseRequest } from '@agentidp/shared/errors';
import { callUnary } from '@agentidp/shared/grpc';
import * as r from './responses';
import * as present from './webhooks.presenters';
import type { HandlerContext, Reply, RouteSpec } from './route-table';
import { emptyBody } from './schemas';
import { noQuery } from './audit.schemas';
import {
  createWebhookBody,
  deliveryParams,
  listDeliveriesQuery,
  updateWebhookBody,
  webhookParam,
} from './webhooks.schemas';

/**
 * Webhooks, served by the audit service (which delivers them) for the caller's organization only:
 * another organization's webhook is 404 on every route.
 */
export const WEBHOOK_ROUTES: readonly RouteSpec[] = [
  {
    method: 'post',
    path: '/webhooks',
    scope: 'webhooks:write',
    handle: createWebhook,
    doc: {
      summary: 'Create a webhook',
      description:
        'The URL must be https and must not name a private, loopback or reserved address; the signing secret is returned only here. At most 25 webhooks per organization.',
      body: createWebhookBody,
      example: {
        name: 'CRM sync',
        url: 'https://hooks.example.com/agentidp',
        events: ['agent.*', 'credential.revoked'],
      },
      status: 201,
      response: r.createdWebhookResponse,
      errors: ['conflict'],
    },
  },
  {
    method: 'get',
    path: '/webhooks',
    scope: 'webhooks:read',
    handle: listWebhooks,
    doc: {
      summary: "The organization's webhooks, oldest first",
      query: noQuery,
      status: 200,
      response: r.webhookListResponse,
    },
  },
  {
    method: 'get',
    path: '/webhooks/:webhook_id',
    scope: 'webhooks:read',
    handle: getWebhook,
    doc: {
      summary: 'One webhook',
      params: webhookParam,
      query: noQuery,
      status: 200,
      response: r.webhookResponse,
    },
  },
  {
    method: 'patch',
    path: '/webhooks/:webhook_id',
    scope: 'webhooks:write',
    handle: updateWebhook,
    doc: {
      summary: 'Change a webhook',
      description: 'Setting `active: true` on a disabled webhook resets its failure count.',
      params: webhookParam,
      body: updateWebhookBody,
      example: { events: ['agent.*'], active: true },
      status: 200,
      response: r.webhookResponse,
    },
  },
  {
    method: 'delete',
    path: '/webhooks/:webhook_id',
    scope: 'webhooks:write',
    handle: deleteWebhook,
    doc: { summary: 'Delete a webhook and its deliveries', params: webhookParam, status: 204 },
  },
  {
    method: 'post',
    path: '/webhooks/:webhook_id/rotate-secret',
    scope: 'webhooks:write',
    handle: rotateSecret,
    doc: {
      summary: "Rotate a webhook's signing secret",
      description: 'For 24 hours deliveries carry signatures under both the new and the previous secret.',
      params: webhookParam,
      body: emptyBody,
      status: 200,
      response: r.signingSecretResponse,
    },
  },
  {
    method: 'get',
    path: '/webhooks/:webhook_id/deliveries',
    scope: 'webhooks:read',
    handle: listDeliveries,
    doc: {
      summary: "A webhook's deliveries, newest first",
      params: webhookParam,
      query: listDeliveriesQuery,
      status: 200,
      response: r.webhookDeliveryPage,
    },
  },
  {
    method: 'post',
    path: '/webhooks/:webhook_id/deliveries/:delivery_id/redeliver',
    scope: 'webhooks:write',
    handle: redeliver,
    doc: {
      summary: 'Send a delivery again',
      description: 'Due again now, with a fresh set of attempts, whatever its status.',
      params: deliveryParams,
      body: emptyBody,
      status: 202,
      response: r.queuedDeliveryResponse,
    },
  },
  {
    method: 'post',
    path: '/webhooks/:webhook_id/test',
    scope: 'webhooks:write',
    handle: sendTest,
    doc: {
      summary: 'Send a webhook.test event',
      description: 'Queued to this webhook whatever its `events`; the event is not in the audit log.',
      params: webhookParam,
      body: emptyBody,
      status: 202,
      response: r.queuedDeliveryResponse,
    },
  },
];

async function createWebhook({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const body = parseRequest(createWebhookBody, req.body ?? {}, 'request body');
  const response = await callUnary(audit.createWebhook.bind(audit), body);
  return {
    status: 201,
    body: { ...present.webhook(response.webhook), signing_secret: response.signingSecret },
  };
}

async function listWebhooks({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  parseRequest(noQuery, req.query, 'query');
  const response = await callUnary(audit.listWebhooks.bind(audit), {});
  return { status: 200, body: { data: response.webhooks.map(present.webhook) } };
}

async function getWebhook({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const { webhook_id: webhookId } = parseRequest(webhookParam, req.params, 'path');
  parseRequest(noQuery, req.query, 'query');
  const response = await callUnary(audit.getWebhook.bind(audit), { webhookId });
  return { status: 200, body: present.webhook(response.webhook) };
}

async function updateWebhook({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const { webhook_id: webhookId } = parseRequest(webhookParam, req.params, 'path');
  const body = parseRequest(updateWebhookBody, req.body ?? {}, 'request body');
  const response = await callUnary(audit.updateWebhook.bind(audit), {
    webhookId,
    name: body.name,
    url: body.url,
    events: body.events ? { events: body.events } : undefined,
    active: body.active,
  });
  return { status: 200, body: present.webhook(response.webhook) };
}

async function deleteWebhook({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const { webhook_id: webhookId } = parseRequest(webhookParam, req.params, 'path');
  await callUnary(audit.deleteWebhook.bind(audit), { webhookId });
  return { status: 204 };
}

async function rotateSecret({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const { webhook_id: webhookId } = parseRequest(webhookParam, req.params, 'path');
  parseRequest(emptyBody, req.body ?? {}, 'request body');
  const response = await callUnary(audit.rotateWebhookSecret.bind(audit), { webhookId });
  return { status: 200, body: { signing_secret: response.signingSecret } };
}

async function listDeliveries({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const { webhook_id: webhookId } = parseRequest(webhookParam, req.params, 'path');
  const query = parseRequest(listDeliveriesQuery, req.query, 'query');
  const response = await callUnary(audit.listWebhookDeliveries.bind(audit), {
    webhookId,
    limit: query.limit ?? 0,
    cursor: query.cursor ?? '',
  });
  return {
    status: 200,
    body: { data: response.deliveries.map(present.delivery), next_cursor: response.nextCursor || null },
  };
}

async function redeliver({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const { webhook_id: webhookId, delivery_id: deliveryId } = parseRequest(deliveryParams, req.params, 'path');
  parseRequest(emptyBody, req.body ?? {}, 'request body');
  await callUnary(audit.redeliverWebhookDelivery.bind(audit), { webhookId, deliveryId });
  return { status: 202, body: { delivery_id: deliveryId, status: 'pending' } };
}

async function sendTest({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const { webhook_id: webhookId } = parseRequest(webhookParam, req.params, 'path');
  parseRequest(emptyBody, req.body ?? {}, 'request body');
  const response = await callUnary(audit.testWebhook.bind(audit), { webhookId });
  return { status: 202, body: { delivery_id: response.deliveryId, status: 'pending' } };
}
