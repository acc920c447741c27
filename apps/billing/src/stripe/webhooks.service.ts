import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, POOL, SERVICE_CONFIG } from '@agentidp/nest-kit';
import { withTransaction, type Pool, type PoolClient } from '@agentidp/shared/db';
import { isUuid } from '@agentidp/shared/identity';
import type { Logger } from '@agentidp/shared/runtime';
import { safeString } from '@agentidp/shared/schema';
import { DEFAULT_TIER, isUpgrade } from '@agentidp/shared/tiers';
import { z } from 'zod';
import { validationError } from '@agentidp/shared/errors';
import type { BillingConfig } from '../config';
import { TierChanges } from '../tiers/tier-changes';
import { TiersRepository } from '../tiers/tiers.repository';
import type { OrgTierRecord } from '../tiers/tiers.types';
import { isSignatureError, STRIPE_API, type StripeApi, type VerifiedEvent } from './stripe-api';
import { StripeEventsRepository } from './stripe-events.repository';
import { SubscriptionsRepository } from './subscriptions.repository';

type PaidTier = 'pro' | 'enterprise';

export interface WebhookResult {
  eventId: string;
  eventType: string;
  /** Whether the event changed anything. */
  applied: boolean;
  /** The event id was processed before: nothing was done. */
  duplicate: boolean;
}

interface Outcome {
  organizationId: string | null;
  applied: boolean;
  outcome: string;
  /** A committed tier change to publish to caches. */
  changed?: OrgTierRecord;
}

/** Statuses in which the customer pays for the subscription's tier. */
const PAYING = new Set(['active', 'trialing']);
/** Statuses after which the organization falls back to free. */
const ENDED = new Set(['canceled', 'unpaid', 'incomplete_expired', 'paused']);
// Anything else (past_due, incomplete) keeps the current tier while Stripe retries the payment.

// ── The parts of Stripe objects billing reads (parsed, not trusted from the SDK's types, so an API
//    version that moves a field makes the event ignored, not a crash). ─────────────────────────
const objectId = z
  .union([safeString(), z.object({ id: safeString() })])
  .transform((value) => (typeof value === 'string' ? value : value.id));
const metadataSchema = z.record(safeString(), safeString()).nullish();

const checkoutSessionSchema = z.object({
  id: safeString(),
  mode: safeString().nullish(),
  status: safeString().nullish(),
  customer: objectId.nullish(),
  subscription: objectId.nullish(),
  metadata: metadataSchema,
});

const subscriptionSchema = z.object({
  id: safeString(),
  status: safeString(),
  customer: objectId.nullish(),
  metadata: metadataSchema,
  current_period_end: z.number().nullish(),
  items: z
    .object({
      data: z.array(
        z.object({
          price: z.object({ id: safeString() }).nullish(),
          current_period_end: z.number().nullish(),
        }),
      ),
    })
    .nullish(),
});

/**
 * Stripe webhooks: verify → claim the event id → apply → record, in ONE transaction, then tell
 * caches. A replayed event finds its id claimed and changes nothing; a failure rolls the claim
 * back so Stripe's retry is processed afresh.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(STRIPE_API) private readonly stripe: StripeApi | null,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
    @Inject(POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly events: StripeEventsRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly tiers: TiersRepository,
    private readonly changes: TierChanges,
  ) {}

  async handle(payload: Buffer, signature: string): Promise<WebhookResult> {
    const event = this.verify(this.stripe, payload, signature);
    const created = new Date(event.created * 1000);

    const result = await withTransaction(this.pool, async (tx) => {
      if (!(await this.events.claim(tx, { id: event.id, type: event.type, created }))) return undefined;
      const outcome = await this.apply(tx, event, created);
      await this.events.finish(tx, event.id, outcome);
      return outcome;
    });

    if (!result) {
      this.logger.info({ eventId: event.id, type: event.type }, 'Stripe event already processed');
      return { eventId: event.id, eventType: event.type, applied: false, duplicate: true };
    }
    if (result.changed) await this.changes.publish(result.changed);
    this.logger.info(
      { eventId: event.id, type: event.type, organizationId: result.organizationId, outcome: result.outcome },
      'Stripe event processed',
    );
    return { eventId: event.id, eventType: event.type, applied: result.applied, duplicate: false };
  }

  /** Bad or missing signature → 400 and nothing else happens (never parse unverified events). */
  /**
   * The event, once its signature is checked. With billing disabled there is no webhook secret: no
   * signature can match, so every delivery is the same 400 as a bad signature (a sender learns
   * nothing about the deployment from the status).
   */
  private verify(stripe: StripeApi | null, payload: Buffer, signature: string): VerifiedEvent {
    if (!signature) {
      throw validationError('webhook', [
        { path: 'stripe_signature', message: 'is required (Stripe-Signature header)' },
      ]);
    }
    if (!stripe) {
      this.logger.warn('Stripe webhook refused: billing is disabled, no webhook secret to verify with');
      throw validationError('webhook', [{ path: 'stripe_signature', message: 'does not match the payload' }]);
    }
    try {
      return stripe.verifyEvent(payload, signature);
    } catch (error) {
      if (isSignatureError(error)) {
        this.logger.warn('Stripe webhook with an invalid signature refused');
        throw validationError('webhook', [
          { path: 'stripe_signature', message: 'does not match the payload' },
        ]);
      }
      throw validationError('webhook', [{ path: 'body', message: 'is not a Stripe event' }]);
    }
  }

  private async apply(tx: PoolClient, event: VerifiedEvent, created: Date): Promise<Outcome> {
    switch (event.type) {
      case 'checkout.session.completed':
        return this.checkoutCompleted(tx, event, created);
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted':
        return this.subscriptionChanged(tx, event, created);
      default:
        return { organizationId: null, applied: false, outcome: 'ignored: event type not handled' };
    }
  }

  /** A paid checkout: the organization moves to the tier in the session's metadata. */
  private async checkoutCompleted(tx: PoolClient, event: VerifiedEvent, created: Date): Promise<Outcome> {
    const parsed = checkoutSessionSchema.safeParse(event.object);
    if (!parsed.success) return ignored(null, 'not a checkout session');
    const session = parsed.data;
    const organizationId = session.metadata?.org_id;
    const tier = paidTier(session.metadata?.target_tier);
    if (!isUuid(organizationId) || !tier) return ignored(null, 'no org_id/target_tier metadata');
    const orgId = organizationId.toLowerCase();
    if (session.mode !== 'subscription') return ignored(orgId, 'not a subscription checkout');
    if (session.status && session.status !== 'complete') return ignored(orgId, `session ${session.status}`);

    const subscriptionId = session.subscription ?? null;
    let status = 'active';
    if (subscriptionId) {
      const known = await this.subscriptions.find(subscriptionId, tx);
      if (known && known.organizationId !== orgId)
        return ignored(orgId, 'subscription of another organization');
      // A subscription event newer than this checkout already said how the subscription stands.
      if (known && known.lastEventAt > created) status = known.status;
      await this.subscriptions.upsert(tx, {
        subscriptionId,
        organizationId: orgId,
        customerId: session.customer ?? known?.customerId ?? null,
        status,
        tier: known && known.lastEventAt > created ? known.tier : tier,
        priceId: known?.priceId ?? this.config.stripe?.prices[tier] ?? null,
        currentPeriodEnd: known?.currentPeriodEnd ?? null,
        lastEventAt: known && known.lastEventAt > created ? known.lastEventAt : created,
      });
    }
    return this.settle(tx, event, { organizationId: orgId, subscriptionId, tier, status });
  }

  /** A subscription changed or ended: follow its status. */
  private async subscriptionChanged(tx: PoolClient, event: VerifiedEvent, created: Date): Promise<Outcome> {
    const parsed = subscriptionSchema.safeParse(event.object);
    if (!parsed.success) return ignored(null, 'not a subscription');
    const subscription = parsed.data;
    const known = await this.subscriptions.find(subscription.id, tx);
    // The first binding wins: metadata cannot move a known subscription to another organization.
    const organizationId = known?.organizationId ?? subscription.metadata?.org_id;
    if (!isUuid(organizationId)) return ignored(null, 'unknown subscription without org_id metadata');
    const orgId = organizationId.toLowerCase();
    // Stripe does not order deliveries: an event older than the last one applied is stale.
    if (known && known.lastEventAt > created) return ignored(orgId, 'stale: a newer event was applied');

    const item = subscription.items?.data[0];
    const priceId = item?.price?.id ?? null;
    // The price is what is paid for (a plan change in Stripe's portal keeps the old metadata).
    const tier = this.tierOfPrice(priceId) ?? paidTier(subscription.metadata?.target_tier) ?? known?.tier;
    if (!tier) return ignored(orgId, 'tier of the subscription unknown');
    const status = event.type === 'customer.subscription.deleted' ? 'canceled' : subscription.status;
    const periodEnd = item?.current_period_end ?? subscription.current_period_end;

    await this.subscriptions.upsert(tx, {
      subscriptionId: subscription.id,
      organizationId: orgId,
      customerId: subscription.customer ?? null,
      status,
      tier,
      priceId,
      currentPeriodEnd: typeof periodEnd === 'number' ? new Date(periodEnd * 1000) : null,
      lastEventAt: created,
    });
    return this.settle(tx, event, { organizationId: orgId, subscriptionId: subscription.id, tier, status });
  }

  /**
   * The tier rule for one subscription state:
   * - paying (active, trialing): the org gets the subscription's tier when it is the org's current
   *   subscription, when it is an upgrade, or when the org has no subscription and is on that tier;
   * - ended (canceled, unpaid, incomplete_expired, paused): back to free, but only if it was the
   *   org's current subscription (an old one ending after an upgrade must not downgrade);
   * - anything else (past_due, incomplete): tier kept while Stripe retries.
   */
  private async settle(
    tx: PoolClient,
    event: VerifiedEvent,
    state: { organizationId: string; subscriptionId: string | null; tier: PaidTier; status: string },
  ): Promise<Outcome> {
    const { organizationId, subscriptionId, tier, status } = state;
    const current = await this.tiers.lock(tx, organizationId);
    const isCurrent = subscriptionId !== null && current.subscriptionId === subscriptionId;
    const context = {
      stripe_event_id: event.id,
      stripe_event_type: event.type,
      subscription_id: subscriptionId,
    };

    if (PAYING.has(status)) {
      const takes =
        isCurrent ||
        isUpgrade(current.tier, tier) ||
        (current.subscriptionId === null && current.tier === tier);
      if (!takes) return ignored(organizationId, `subscription ${status} but another one is current`);
      const result = await this.changes.apply(tx, {
        organizationId,
        tier,
        subscriptionId,
        source: 'stripe',
        context,
      });
      return {
        organizationId,
        applied: result.changed || result.record.subscriptionId !== current.subscriptionId,
        outcome: result.changed ? `${result.previousTier} → ${tier}` : `already ${tier}`,
        changed: result.changed ? result.record : undefined,
      };
    }
    if (ENDED.has(status)) {
      if (!isCurrent) return ignored(organizationId, `subscription ${status}, not the current one`);
      const result = await this.changes.apply(tx, {
        organizationId,
        tier: DEFAULT_TIER,
        subscriptionId: null,
        source: 'stripe',
        context: { ...context, subscription_status: status },
      });
      return {
        organizationId,
        applied: true,
        outcome: `${result.previousTier} → ${DEFAULT_TIER} (subscription ${status})`,
        changed: result.changed ? result.record : undefined,
      };
    }
    return { organizationId, applied: true, outcome: `subscription ${status}: tier kept` };
  }

  private tierOfPrice(priceId: string | null): PaidTier | undefined {
    const prices = this.config.stripe?.prices;
    if (!priceId || !prices) return undefined;
    if (priceId === prices.enterprise) return 'enterprise';
    if (priceId === prices.pro) return 'pro';
    return undefined;
  }
}

function paidTier(value: unknown): PaidTier | undefined {
  return value === 'pro' || value === 'enterprise' ? value : undefined;
}

function ignored(organizationId: string | null, why: string): Outcome {
  return { organizationId, applied: false, outcome: `ignored: ${why}` };
}
