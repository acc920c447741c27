import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { requireTenant } from '@agentidp/nest-kit';
import {
  AUDIT_SERVICE_NAME,
  type AuditServiceController,
  type CreateWebhookRequest,
  type CreateWebhookResponse,
  type DeleteWebhookRequest,
  type DeleteWebhookResponse,
  type GetWebhookRequest,
  type GetWebhookResponse,
  type ListWebhookDeliveriesRequest,
  type ListWebhookDeliveriesResponse,
  type ListWebhooksResponse,
  type RedeliverWebhookDeliveryRequest,
  type RedeliverWebhookDeliveryResponse,
  type RotateWebhookSecretRequest,
  type RotateWebhookSecretResponse,
  type TestWebhookRequest,
  type TestWebhookResponse,
  type UpdateWebhookRequest,
  type UpdateWebhookResponse,
  type Webhook as WebhookMessage,
  type WebhookDelivery,
} from '@agentidp/proto/nest/agentid/audit/v1/audit';
import { toTimestamp } from '@agentidp/shared/grpc';
import type { Delivery, Webhook } from './webhook.types';
import { WebhooksService } from './webhooks.service';

type WebhookRpcs =
  | 'createWebhook'
  | 'listWebhooks'
  | 'getWebhook'
  | 'updateWebhook'
  | 'deleteWebhook'
  | 'rotateWebhookSecret'
  | 'listWebhookDeliveries'
  | 'redeliverWebhookDelivery'
  | 'testWebhook';

/** The webhook RPCs of agentid.audit.v1.AuditService: proto ↔ domain and the caller's organization. */
@Controller()
export class WebhooksGrpcController implements Pick<AuditServiceController, WebhookRpcs> {
  constructor(private readonly webhooks: WebhooksService) {}

  @GrpcMethod(AUDIT_SERVICE_NAME, 'createWebhook')
  async createWebhook(request: CreateWebhookRequest): Promise<CreateWebhookResponse> {
    const { webhook, secret } = await this.webhooks.create(requireTenant().organizationId, {
      name: request.name,
      url: request.url,
      events: request.events ?? [],
    });
    return { webhook: toMessage(webhook), signingSecret: secret };
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'listWebhooks')
  async listWebhooks(): Promise<ListWebhooksResponse> {
    return { webhooks: (await this.webhooks.list(requireTenant().organizationId)).map(toMessage) };
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'getWebhook')
  async getWebhook(request: GetWebhookRequest): Promise<GetWebhookResponse> {
    return { webhook: toMessage(await this.webhooks.get(requireTenant().organizationId, request.webhookId)) };
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'updateWebhook')
  async updateWebhook(request: UpdateWebhookRequest): Promise<UpdateWebhookResponse> {
    const webhook = await this.webhooks.update(requireTenant().organizationId, request.webhookId, {
      name: request.name ?? undefined,
      url: request.url ?? undefined,
      events: request.events ? (request.events.events ?? []) : undefined,
      active: request.active ?? undefined,
    });
    return { webhook: toMessage(webhook) };
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'deleteWebhook')
  async deleteWebhook(request: DeleteWebhookRequest): Promise<DeleteWebhookResponse> {
    await this.webhooks.delete(requireTenant().organizationId, request.webhookId);
    return {};
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'rotateWebhookSecret')
  async rotateWebhookSecret(request: RotateWebhookSecretRequest): Promise<RotateWebhookSecretResponse> {
    return {
      signingSecret: await this.webhooks.rotateSecret(requireTenant().organizationId, request.webhookId),
    };
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'listWebhookDeliveries')
  async listWebhookDeliveries(request: ListWebhookDeliveriesRequest): Promise<ListWebhookDeliveriesResponse> {
    const page = await this.webhooks.listDeliveries(requireTenant().organizationId, request.webhookId, {
      limit: request.limit,
      cursor: request.cursor,
    });
    return { deliveries: page.deliveries.map(toDeliveryMessage), nextCursor: page.nextCursor ?? '' };
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'redeliverWebhookDelivery')
  async redeliverWebhookDelivery(
    request: RedeliverWebhookDeliveryRequest,
  ): Promise<RedeliverWebhookDeliveryResponse> {
    await this.webhooks.redeliver(requireTenant().organizationId, request.webhookId, request.deliveryId);
    return {};
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'testWebhook')
  async testWebhook(request: TestWebhookRequest): Promise<TestWebhookResponse> {
    return { deliveryId: await this.webhooks.test(requireTenant().organizationId, request.webhookId) };
  }
}

function toMessage(webhook: Webhook): WebhookMessage {
  return {
    webhookId: webhook.webhookId,
    organizationId: webhook.organizationId,
    name: webhook.name,
    url: webhook.url,
    events: webhook.events,
    active: webhook.active,
    failureCount: webhook.failureCount,
    createdAt: toTimestamp(webhook.createdAt),
    updatedAt: toTimestamp(webhook.updatedAt),
  };
}

function toDeliveryMessage(delivery: Delivery): WebhookDelivery {
  return {
    deliveryId: delivery.deliveryId,
    webhookId: delivery.webhookId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    responseStatus: delivery.responseStatus ?? 0,
    lastError: delivery.lastError ?? '',
    nextAttemptAt:
      delivery.nextAttemptAt && delivery.status !== 'delivered' ? toTimestamp(delivery.nextAttemptAt) : null,
    deliveredAt: delivery.deliveredAt ? toTimestamp(delivery.deliveredAt) : null,
    createdAt: toTimestamp(delivery.createdAt),
  };
}
