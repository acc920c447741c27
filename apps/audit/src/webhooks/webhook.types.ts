/** A subscription as the domain sees it (never with its secret). */
export interface Webhook {
  webhookId: string;
  organizationId: string;
  name: string;
  url: string;
  events: string[];
  active: boolean;
  failureCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead_letter';

export interface Delivery {
  deliveryId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

/** A delivery the worker has claimed, with what it needs to send it. */
export interface ClaimedDelivery {
  deliveryId: string;
  webhookId: string;
  organizationId: string;
  eventId: string;
  eventType: string;
  payload: string;
  /** Attempts made before this one. */
  attempts: number;
  url: string;
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretExpiresAt: Date | null;
}

export interface WebhookChanges {
  name?: string;
  url?: string;
  events?: string[];
  active?: boolean;
}

/** At most this many webhooks per organization. */
export const MAX_WEBHOOKS_PER_ORGANIZATION = 25;
/** How long a rotated-out secret keeps signing beside the new one. */
export const SECRET_OVERLAP_MS = 24 * 3600 * 1000;
