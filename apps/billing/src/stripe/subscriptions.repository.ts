import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import type { Pool, Queryable } from '@agentidp/shared/db';

export interface SubscriptionRecord {
  subscriptionId: string;
  organizationId: string;
  customerId: string | null;
  status: string;
  tier: 'pro' | 'enterprise';
  priceId: string | null;
  currentPeriodEnd: Date | null;
  lastEventAt: Date;
}

interface SubscriptionRow {
  stripe_subscription_id: string;
  organization_id: string;
  stripe_customer_id: string | null;
  status: string;
  tier: 'pro' | 'enterprise';
  price_id: string | null;
  current_period_end: Date | null;
  last_event_at: Date;
}

const COLUMNS = `stripe_subscription_id, organization_id, stripe_customer_id, status, tier, price_id,
  current_period_end, last_event_at`;

/** SQL for `billing.subscriptions`: what Stripe told us about each subscription. */
@Injectable()
export class SubscriptionsRepository {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  async find(subscriptionId: string, db: Queryable = this.pool): Promise<SubscriptionRecord | undefined> {
    const { rows } = await db.query<SubscriptionRow>(
      `SELECT ${COLUMNS} FROM billing.subscriptions WHERE stripe_subscription_id = $1`,
      [subscriptionId],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** The newest Stripe customer of an organization, to reuse at its next checkout. */
  async latestCustomer(organizationId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ stripe_customer_id: string }>(
      `SELECT stripe_customer_id FROM billing.subscriptions
        WHERE organization_id = $1 AND stripe_customer_id IS NOT NULL
        ORDER BY created_at DESC LIMIT 1`,
      [organizationId],
    );
    return rows[0]?.stripe_customer_id;
  }

  async upsert(db: Queryable, record: SubscriptionRecord): Promise<void> {
    await db.query(
      `INSERT INTO billing.subscriptions (${COLUMNS}, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), now())
       ON CONFLICT (stripe_subscription_id) DO UPDATE
         SET stripe_customer_id = COALESCE(EXCLUDED.stripe_customer_id, billing.subscriptions.stripe_customer_id),
             status = EXCLUDED.status, tier = EXCLUDED.tier,
             price_id = COALESCE(EXCLUDED.price_id, billing.subscriptions.price_id),
             current_period_end = COALESCE(EXCLUDED.current_period_end, billing.subscriptions.current_period_end),
             last_event_at = EXCLUDED.last_event_at, updated_at = now()`,
      [
        record.subscriptionId,
        record.organizationId,
        record.customerId,
        record.status,
        record.tier,
        record.priceId,
        record.currentPeriodEnd,
        record.lastEventAt,
      ],
    );
  }
}

function toRecord(row: SubscriptionRow): SubscriptionRecord {
  return {
    subscriptionId: row.stripe_subscription_id,
    organizationId: row.organization_id,
    customerId: row.stripe_customer_id,
    status: row.status,
    tier: row.tier,
    priceId: row.price_id,
    currentPeriodEnd: row.current_period_end,
    lastEventAt: row.last_event_at,
  };
}
