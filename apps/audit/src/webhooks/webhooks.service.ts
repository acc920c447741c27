import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, POOL, SERVICE_CONFIG, type Clock } from '@agentidp/nest-kit';
import { withTransaction, type Pool, type PoolClient } from '@agentidp/shared/db';
import { z } from 'zod';
import { DomainError, parseRequest } from '@agentidp/shared/errors';
import { isUuid, webhookFields } from '@agentidp/shared/identity';
import { refuseTarget } from '@agentidp/shared/outbound';
import { currentContext } from '@agentidp/shared/runtime';
import { AppendService } from '../append/append.service';
import type { AuditConfig } from '../config';
import type { AuditEventRecord, StoredEvent } from '../events/events.types';
import { testPayload } from './payload';
import { newSigningSecret, sealSecret, secretSealingKey } from './secrets';
import {
  MAX_WEBHOOKS_PER_ORGANIZATION,
  SECRET_OVERLAP_MS,
  type Delivery,
  type Webhook,
  type WebhookChanges,
} from './webhook.types';
import { WebhooksRepository, type DeliveryPosition } from './webhooks.repository';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

export interface NewWebhook {
  name: string;
  url: string;
  events: string[];
}

/**
 * Webhook subscriptions of the caller's organization. Every change appends its audit event
 * (webhook.created|updated|deleted) on its own transaction, after locking the organization's
 * chain head first: changes of one organization are serialized (which also makes the per-
 * organization limit exact), and no change can wait on an append that waits on it.
 */
@Injectable()
export class WebhooksService {
  private readonly sealingKey: Buffer;

  constructor(
    @Inject(POOL) private readonly pool: Pool,
    private readonly repository: WebhooksRepository,
    private readonly appender: AppendService,
    @Inject(SERVICE_CONFIG) private readonly config: AuditConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.sealingKey = secretSealingKey(config.webhooks.secretKey);
  }

  async create(organizationId: string, input: NewWebhook): Promise<{ webhook: Webhook; secret: string }> {
    this.validate(input);
    const secret = newSigningSecret();
    const webhookId = randomUUID();
    const { result, stored } = await this.changeWithEvent(organizationId, async (tx) => {
      if ((await this.repository.count(tx, organizationId)) >= MAX_WEBHOOKS_PER_ORGANIZATION) {
        throw new DomainError(
          'conflict',
          `An organization has at most ${MAX_WEBHOOKS_PER_ORGANIZATION} webhooks; delete one first`,
        );
      }
      const webhook = await this.repository.insert(
        tx,
        { webhookId, organizationId, ...input },
        sealSecret(this.sealingKey, webhookId, secret),
      );
      return { result: webhook, event: this.event('webhook.created', webhook, {}) };
    });
    await this.appender.afterCommit(stored);
    return { webhook: result, secret };
  }

  list(organizationId: string): Promise<Webhook[]> {
    return this.repository.list(organizationId);
  }

  async get(organizationId: string, webhookId: string): Promise<Webhook> {
    const webhook = isUuid(webhookId)
      ? await this.repository.find(organizationId, webhookId.toLowerCase())
      : undefined;
    if (!webhook) throw notFound();
    return webhook;
  }

  async update(organizationId: string, webhookId: string, changes: WebhookChanges): Promise<Webhook> {
    this.validate(changes);
    const { result, stored } = await this.changeWithEvent(organizationId, async (tx) => {
      await this.lockOwn(tx, organizationId, webhookId);
      const webhook = await this.repository.update(tx, organizationId, webhookId.toLowerCase(), changes);
      const changed = Object.keys(changes).filter((k) => changes[k as keyof WebhookChanges] !== undefined);
      return { result: webhook, event: this.event('webhook.updated', webhook, { changes: changed }) };
    });
    await this.appender.afterCommit(stored);
    return result;
  }

  async delete(organizationId: string, webhookId: string): Promise<void> {
    const { stored } = await this.changeWithEvent(organizationId, async (tx) => {
      const webhook = await this.lockOwn(tx, organizationId, webhookId);
      await this.repository.delete(tx, organizationId, webhook.webhookId);
      return { result: undefined, event: this.event('webhook.deleted', webhook, {}) };
    });
    await this.appender.afterCommit(stored);
  }

  /** A new secret; the current one keeps signing beside it for 24 hours. */
  async rotateSecret(organizationId: string, webhookId: string): Promise<string> {
    const secret = newSigningSecret();
    const { stored } = await this.changeWithEvent(organizationId, async (tx) => {
      const webhook = await this.lockOwn(tx, organizationId, webhookId);
      const previous = await this.repository.sealedSecret(tx, webhook.webhookId);
      await this.repository.rotateSecret(
        tx,
        organizationId,
        webhook.webhookId,
        sealSecret(this.sealingKey, webhook.webhookId, secret),
        previous,
        new Date(this.clock.now() + SECRET_OVERLAP_MS),
      );
      return {
        result: undefined,
        event: this.event('webhook.updated', webhook, { changes: ['signing_secret'] }),
      };
    });
    await this.appender.afterCommit(stored);
    return secret;
  }

  async listDeliveries(
    organizationId: string,
    webhookId: string,
    page: { limit: number; cursor: string },
  ): Promise<{ deliveries: Delivery[]; nextCursor?: string }> {
    const webhook = await this.get(organizationId, webhookId);
    const limit = page.limit === 0 ? DEFAULT_PAGE : page.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw invalid('limit', `must be an integer from 1 to ${MAX_PAGE}`);
    }
    const after = page.cursor ? decodeDeliveryCursor(page.cursor) : undefined;
    if (page.cursor && !after) throw invalid('cursor', 'is not a cursor of this list');
    const rows = await this.repository.listDeliveries(organizationId, webhook.webhookId, limit + 1, after);
    const deliveries = rows.slice(0, limit);
    const last = deliveries[deliveries.length - 1];
    return {
      deliveries,
      nextCursor: rows.length > limit && last ? encodeDeliveryCursor(last) : undefined,
    };
  }

  async redeliver(organizationId: string, webhookId: string, deliveryId: string): Promise<void> {
    const webhook = await this.get(organizationId, webhookId);
    if (
      !isUuid(deliveryId) ||
      !(await this.repository.redeliver(organizationId, webhook.webhookId, deliveryId.toLowerCase()))
    ) {
      throw new DomainError('not_found', 'Delivery not found');
    }
  }

  /** Queues a webhook.test delivery to this webhook, whatever its event filter. */
  async test(organizationId: string, webhookId: string): Promise<string> {
    const webhook = await this.get(organizationId, webhookId);
    const deliveryId = randomUUID();
    const eventId = randomUUID();
    await this.repository.queueTest(
      organizationId,
      webhook.webhookId,
      deliveryId,
      eventId,
      testPayload(eventId, organizationId, webhook.webhookId, new Date(this.clock.now())),
    );
    return deliveryId;
  }

  /**
   * Runs a change on one transaction that first locks the organization's chain head (through an
   * empty append), then appends the change's event.
   */
  private async changeWithEvent<T>(
    organizationId: string,
    change: (tx: PoolClient) => Promise<{ result: T; event: AuditEventRecord }>,
  ): Promise<{ result: T; stored: StoredEvent[] }> {
    return withTransaction(this.pool, async (tx) => {
      await this.appender.lockChains(tx, [organizationId]);
      const { result, event } = await change(tx);
      const stored = await this.appender.appendWithin(tx, [event]);
      return { result, stored };
    });
  }

  private async lockOwn(tx: PoolClient, organizationId: string, webhookId: string): Promise<Webhook> {
    const webhook = isUuid(webhookId)
      ? await this.repository.find(organizationId, webhookId.toLowerCase(), tx)
      : undefined;
    if (!webhook) throw notFound();
    return webhook;
  }

  private event(action: string, webhook: Webhook, extra: Record<string, unknown>): AuditEventRecord {
    const context = currentContext();
    return {
      eventId: randomUUID(),
      occurredAt: new Date(this.clock.now()),
      action,
      outcome: 'success',
      organizationId: webhook.organizationId,
      agentId: '',
      actorClientId: context?.clientId ?? '',
      actorAgentId: context?.agentId ?? '',
      requestId: context?.requestId ?? '',
      source: 'audit',
      // The URL is the subscriber's own; the secret never appears in an event.
      details: {
        webhook_id: webhook.webhookId,
        name: webhook.name,
        url: webhook.url,
        events: webhook.events,
        ...extra,
      },
    };
  }

  /** The field rules the gateway's schema checks too, then the outbound rules of the URL. */
  private validate(input: Partial<NewWebhook>): void {
    parseRequest(webhookChanges, input, 'webhook');
    const refusal =
      input.url === undefined ? undefined : refuseTarget(input.url, this.config.outbound.allowedTargets);
    if (refusal) throw invalid('url', refusal);
  }
}

const webhookChanges = z.object({
  name: webhookFields.name.optional(),
  url: webhookFields.url.optional(),
  events: webhookFields.events.optional(),
});

const notFound = () => new DomainError('not_found', 'Webhook not found');

const invalid = (path: string, message: string) =>
  new DomainError('validation_error', 'Invalid request', { errors: [{ path, message }] });

/** Opaque page cursor: base64url of `v1:<created_at ms>:<delivery id>`. */
function encodeDeliveryCursor(delivery: Delivery): string {
  return Buffer.from(`v1:${delivery.createdAt.getTime()}:${delivery.deliveryId}`).toString('base64url');
}

function decodeDeliveryCursor(value: string): DeliveryPosition | undefined {
  if (value.length > 128 || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  const match = /^v1:(\d{1,15}):([0-9a-f-]{36})$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
  if (!match || !isUuid(match[2])) return undefined;
  return { createdAt: new Date(Number(match[1])), deliveryId: match[2]! };
}
