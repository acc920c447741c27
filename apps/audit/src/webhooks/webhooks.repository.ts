import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import type { Pool, PoolClient } from '@agentidp/shared/db';
import type { ClaimedDelivery, Delivery, DeliveryStatus, Webhook, WebhookChanges } from './webhook.types';

const WEBHOOK_COLUMNS = `webhook_id, organization_id, name, url, events, active, failure_count, created_at, updated_at`;

interface WebhookRow {
  webhook_id: string;
  organization_id: string;
  name: string;
  url: string;
  events: string[];
  active: boolean;
  failure_count: number;
  created_at: Date;
  updated_at: Date;
}

const DELIVERY_COLUMNS = `delivery_id, webhook_id, event_id, event_type, status, attempts, response_status, last_error,
  next_attempt_at, delivered_at, created_at`;

interface DeliveryRow {
  delivery_id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  response_status: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
}

/** Where a page of deliveries starts: after this (created_at, delivery_id), newest first. */
export interface DeliveryPosition {
  createdAt: Date;
  deliveryId: string;
}

/** What one attempt came to, as the worker records it. */
export interface AttemptRecord {
  deliveryId: string;
  attempt: number;
  status: DeliveryStatus;
  responseStatus: number | null;
  error: string | null;
  latencyMs: number;
  nextAttemptAt: Date | null;
}

/**
 * Storage of webhooks, their deliveries and attempts. Every query of a caller's data is filtered
 * by the organization; methods taking `tx` run on the caller's transaction.
 */
@Injectable()
export class WebhooksRepository {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  async count(tx: PoolClient, organizationId: string): Promise<number> {
    const { rows } = await tx.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit.webhooks WHERE organization_id = $1',
      [organizationId],
    );
    return rows[0]?.n ?? 0;
  }

  async insert(
    tx: PoolClient,
    webhook: { webhookId: string; organizationId: string; name: string; url: string; events: string[] },
    secretSealed: string,
  ): Promise<Webhook> {
    const { rows } = await tx.query<WebhookRow>(
      `INSERT INTO audit.webhooks (webhook_id, organization_id, name, url, events, secret_sealed)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${WEBHOOK_COLUMNS}`,
      [webhook.webhookId, webhook.organizationId, webhook.name, webhook.url, webhook.events, secretSealed],
    );
    return toWebhook(rows[0]!);
  }

  async list(organizationId: string): Promise<Webhook[]> {
    const { rows } = await this.pool.query<WebhookRow>(
      `SELECT ${WEBHOOK_COLUMNS} FROM audit.webhooks WHERE organization_id = $1 ORDER BY created_at, webhook_id`,
      [organizationId],
    );
    return rows.map(toWebhook);
  }

  async find(organizationId: string, webhookId: string, tx?: PoolClient): Promise<Webhook | undefined> {
    const { rows } = await (tx ?? this.pool).query<WebhookRow>(
      `SELECT ${WEBHOOK_COLUMNS} FROM audit.webhooks WHERE organization_id = $1 AND webhook_id = $2
       ${tx ? 'FOR UPDATE' : ''}`,
      [organizationId, webhookId],
    );
    return rows[0] ? toWebhook(rows[0]) : undefined;
  }

  /** Applies the changes that are set; turning a webhook on again clears its failure count. */
  async update(
    tx: PoolClient,
    organizationId: string,
    webhookId: string,
    changes: WebhookChanges,
  ): Promise<Webhook> {
    const { rows } = await tx.query<WebhookRow>(
      `UPDATE audit.webhooks
          SET name = COALESCE($3, name),
              url = COALESCE($4, url),
              events = COALESCE($5, events),
              active = COALESCE($6, active),
              failure_count = CASE WHEN $6 IS TRUE AND NOT active THEN 0 ELSE failure_count END,
              updated_at = now()
        WHERE organization_id = $1 AND webhook_id = $2
        RETURNING ${WEBHOOK_COLUMNS}`,
      [
        organizationId,
        webhookId,
        changes.name ?? null,
        changes.url ?? null,
        changes.events ?? null,
        changes.active ?? null,
      ],
    );
    return toWebhook(rows[0]!);
  }

  async delete(tx: PoolClient, organizationId: string, webhookId: string): Promise<void> {
    await tx.query('DELETE FROM audit.webhooks WHERE organization_id = $1 AND webhook_id = $2', [
      organizationId,
      webhookId,
    ]);
  }

  /** The new secret signs from now on; the current one keeps signing beside it until `overlapUntil`. */
  async rotateSecret(
    tx: PoolClient,
    organizationId: string,
    webhookId: string,
    secretSealed: string,
    previousSealed: string,
    overlapUntil: Date,
  ): Promise<void> {
    await tx.query(
      `UPDATE audit.webhooks
          SET secret_sealed = $3, previous_secret_sealed = $4, previous_secret_expires_at = $5, updated_at = now()
        WHERE organization_id = $1 AND webhook_id = $2`,
      [organizationId, webhookId, secretSealed, previousSealed, overlapUntil],
    );
  }

  /** The current sealed secret (locked with the row), to be kept as the previous one on rotation. */
  async sealedSecret(tx: PoolClient, webhookId: string): Promise<string> {
    const { rows } = await tx.query<{ secret_sealed: string }>(
      'SELECT secret_sealed FROM audit.webhooks WHERE webhook_id = $1',
      [webhookId],
    );
    return rows[0]!.secret_sealed;
  }

  async listDeliveries(
    organizationId: string,
    webhookId: string,
    limit: number,
    after?: DeliveryPosition,
  ): Promise<Delivery[]> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM audit.webhook_deliveries
        WHERE organization_id = $1 AND webhook_id = $2
          AND ($3::timestamptz IS NULL OR (created_at, delivery_id) < ($3::timestamptz, $4::uuid))
        ORDER BY created_at DESC, delivery_id DESC
        LIMIT $5`,
      [organizationId, webhookId, after?.createdAt ?? null, after?.deliveryId ?? null, limit],
    );
    return rows.map(toDelivery);
  }

  /** Due again now with a fresh set of attempts; false when no such delivery of this webhook exists. */
  async redeliver(organizationId: string, webhookId: string, deliveryId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE audit.webhook_deliveries
          SET status = 'pending', attempts = 0, next_attempt_at = now(), delivered_at = NULL
        WHERE organization_id = $1 AND webhook_id = $2 AND delivery_id = $3`,
      [organizationId, webhookId, deliveryId],
    );
    return (rowCount ?? 0) > 0;
  }

  async queueTest(
    organizationId: string,
    webhookId: string,
    deliveryId: string,
    eventId: string,
    payload: string,
  ): Promise<void> {
    await this.pool.query(
      `INSERT INTO audit.webhook_deliveries
              (delivery_id, webhook_id, organization_id, event_id, event_type, payload, next_attempt_at)
       VALUES ($1, $2, $3, $4, 'webhook.test', $5, now())`,
      [deliveryId, webhookId, organizationId, eventId, payload],
    );
  }

  // ── The delivery worker ──────────────────────────────────────────────────────────────────

  /**
   * Claims up to `limit` due deliveries of active webhooks, oldest due first, and per webhook no
   * more than its room: `perWebhook` minus what this worker already has in flight for it (`busy`).
   * SKIP LOCKED: workers never wait on each other nor take the same row; the claim moves
   * `next_attempt_at` past the attempt's deadline (`leaseSeconds`), so a worker that dies
   * mid-attempt leaves the delivery due again after the lease, and no other worker takes it before.
   */
  async claimDue(
    limit: number,
    leaseSeconds: number,
    perWebhook: number,
    busy: ReadonlyMap<string, number>,
  ): Promise<ClaimedDelivery[]> {
    const { rows } = await this.pool.query<{
      delivery_id: string;
      webhook_id: string;
      organization_id: string;
      event_id: string;
      event_type: string;
      payload: string;
      attempts: number;
      url: string;
      secret_sealed: string;
      previous_secret_sealed: string | null;
      previous_secret_expires_at: Date | null;
    }>(
      `WITH room AS (
         SELECT w.webhook_id, $3::int - COALESCE(b.busy, 0) AS slots
           FROM audit.webhooks w
           LEFT JOIN unnest($4::uuid[], $5::int[]) AS b(webhook_id, busy) ON b.webhook_id = w.webhook_id
          WHERE w.active AND $3::int - COALESCE(b.busy, 0) > 0
       ), due AS (
         SELECT c.delivery_id FROM room r
         CROSS JOIN LATERAL (
           SELECT d.delivery_id, d.next_attempt_at FROM audit.webhook_deliveries d
            WHERE d.webhook_id = r.webhook_id AND d.status IN ('pending', 'failed') AND d.next_attempt_at <= now()
            ORDER BY d.next_attempt_at
            LIMIT r.slots
              FOR UPDATE SKIP LOCKED
         ) c
         ORDER BY c.next_attempt_at
         LIMIT $1
       )
       UPDATE audit.webhook_deliveries d
          SET next_attempt_at = now() + make_interval(secs => $2)
         FROM due, audit.webhooks w
        WHERE d.delivery_id = due.delivery_id AND w.webhook_id = d.webhook_id
       RETURNING d.delivery_id, d.webhook_id, d.organization_id, d.event_id, d.event_type, d.payload, d.attempts,
                 w.url, w.secret_sealed, w.previous_secret_sealed, w.previous_secret_expires_at`,
      [limit, leaseSeconds, perWebhook, [...busy.keys()], [...busy.values()]],
    );
    return rows.map((r) => ({
      deliveryId: r.delivery_id,
      webhookId: r.webhook_id,
      organizationId: r.organization_id,
      eventId: r.event_id,
      eventType: r.event_type,
      payload: r.payload,
      attempts: r.attempts,
      url: r.url,
      secretSealed: r.secret_sealed,
      previousSecretSealed: r.previous_secret_sealed,
      previousSecretExpiresAt: r.previous_secret_expires_at,
    }));
  }

  /**
   * Records one attempt and its outcome on the delivery. Only if the delivery still stands where
   * the claim left it (`attempts` = attempt − 1 and not delivered): a redelivery or a second
   * worker in between wins, and this result is dropped (false).
   */
  async recordAttempt(tx: PoolClient, record: AttemptRecord): Promise<boolean> {
    const { rowCount } = await tx.query(
      `UPDATE audit.webhook_deliveries
          SET status = $2, attempts = $3, response_status = $4, last_error = $5, next_attempt_at = $6,
              delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE NULL END
        WHERE delivery_id = $1 AND attempts = $3 - 1 AND status IN ('pending', 'failed')`,
      [
        record.deliveryId,
        record.status,
        record.attempt,
        record.responseStatus,
        record.error,
        record.nextAttemptAt,
      ],
    );
    if ((rowCount ?? 0) === 0) return false;
    await tx.query(
      `INSERT INTO audit.webhook_attempts (delivery_id, attempt, response_status, error, latency_ms)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [record.deliveryId, record.attempt, record.responseStatus, record.error, record.latencyMs],
    );
    return true;
  }

  /** A delivered event ends a run of dead letters. */
  async resetFailures(tx: PoolClient, webhookId: string): Promise<void> {
    await tx.query(
      'UPDATE audit.webhooks SET failure_count = 0 WHERE webhook_id = $1 AND failure_count <> 0',
      [webhookId],
    );
  }

  /** Counts a dead letter; returns the webhook's consecutive dead letters and whether it is active. */
  async countDeadLetter(
    tx: PoolClient,
    webhookId: string,
  ): Promise<{ failureCount: number; active: boolean }> {
    const { rows } = await tx.query<{ failure_count: number; active: boolean }>(
      `UPDATE audit.webhooks SET failure_count = failure_count + 1 WHERE webhook_id = $1
       RETURNING failure_count, active`,
      [webhookId],
    );
    return { failureCount: rows[0]?.failure_count ?? 0, active: rows[0]?.active ?? false };
  }

  /** Turns a webhook off; false when it was already off (so it is disabled, and audited, once). */
  async disable(tx: PoolClient, webhookId: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      'UPDATE audit.webhooks SET active = false, updated_at = now() WHERE webhook_id = $1 AND active',
      [webhookId],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Deliveries of active webhooks that are due now (the backlog gauge). */
  async countDue(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit.webhook_deliveries d JOIN audit.webhooks w ON w.webhook_id = d.webhook_id
        WHERE w.active AND d.status IN ('pending', 'failed') AND d.next_attempt_at <= now()`,
    );
    return rows[0]?.n ?? 0;
  }
}

function toWebhook(row: WebhookRow): Webhook {
  return {
    webhookId: row.webhook_id,
    organizationId: row.organization_id,
    name: row.name,
    url: row.url,
    events: row.events,
    active: row.active,
    failureCount: row.failure_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    deliveryId: row.delivery_id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    responseStatus: row.response_status,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
  };
}
