import { ANALYTICS_ROUTES } from './analytics.routes';
import { AUDIT_ROUTES } from './audit.routes';
import { BILLING_ROUTES } from './billing.routes';
import { COMPLIANCE_ROUTES } from './compliance.routes';
import { IDENTITY_ROUTES } from './identity.routes';
import { WEBHOOK_ROUTES } from './webhooks.routes';
import type { RouteSpec } from './route-table';

/** Every authenticated route of the JSON API (under /api/v1): what the gateway mounts and documents. */
export const API_ROUTES: readonly RouteSpec[] = [
  ...IDENTITY_ROUTES,
  ...AUDIT_ROUTES,
  ...ANALYTICS_ROUTES,
  ...COMPLIANCE_ROUTES,
  ...BILLING_ROUTES,
  ...WEBHOOK_ROUTES,
];

/** Where the route tables are mounted. */
export const API_PREFIX = '/api/v1';
