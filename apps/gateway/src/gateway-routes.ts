import { ANALYTICS_ROUTES } from './api/analytics.routes';
import { AUDIT_ROUTES } from './api/audit.routes';
import { BILLING_ROUTES } from './api/billing.routes';
import { COMPLIANCE_ROUTES } from './api/compliance.routes';
import { IDENTITY_ROUTES } from './api/identity.routes';
import type { RouteSpec } from './api/route-table';

/** The authenticated route tables, in the order the gateway mounts them under `/api/v1`. */
export const API_ROUTES: readonly RouteSpec[] = [
  ...IDENTITY_ROUTES,
  ...AUDIT_ROUTES,
  ...ANALYTICS_ROUTES,
  ...COMPLIANCE_ROUTES,
  ...BILLING_ROUTES,
];

/** How a caller proves who it is on a route. */
export type RouteAuth = 'bearer' | 'client' | 'stripe' | 'none';
/** What body a route reads. */
export type RouteBody = 'json' | 'form' | 'raw' | 'none';

/** One route of the public surface: method, full path (Express pattern), its caller and body. */
export interface GatewayRoute {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  auth: RouteAuth;
  body: RouteBody;
}

/**
 * Every route the gateway serves, for tools that walk the whole surface (the fuzz suite). The
 * authenticated tables come from {@link API_ROUTES}; the rest are the operations endpoints, OAuth,
 * discovery, the Stripe webhook, signup and the public compliance controls. The app's spec checks
 * that this list and what the app serves are the same.
 */
export const GATEWAY_ROUTES: readonly GatewayRoute[] = [
  { method: 'get', path: '/health', auth: 'none', body: 'none' },
  { method: 'get', path: '/ready', auth: 'none', body: 'none' },
  { method: 'get', path: '/metrics', auth: 'none', body: 'none' },
  { method: 'post', path: '/oauth2/token', auth: 'client', body: 'form' },
  { method: 'post', path: '/api/v1/token', auth: 'client', body: 'form' },
  { method: 'post', path: '/oauth2/introspect', auth: 'client', body: 'form' },
  { method: 'post', path: '/oauth2/revoke', auth: 'client', body: 'form' },
  { method: 'get', path: '/.well-known/openid-configuration', auth: 'none', body: 'none' },
  { method: 'get', path: '/.well-known/oauth-authorization-server', auth: 'none', body: 'none' },
  { method: 'get', path: '/.well-known/jwks.json', auth: 'none', body: 'none' },
  { method: 'get', path: '/.well-known/oauth-protected-resource', auth: 'none', body: 'none' },
  { method: 'post', path: '/api/v1/billing/webhook', auth: 'stripe', body: 'raw' },
  { method: 'post', path: '/api/v1/organizations', auth: 'none', body: 'json' },
  { method: 'get', path: '/api/v1/compliance/controls', auth: 'none', body: 'none' },
  ...API_ROUTES.map((route): GatewayRoute => ({
    method: route.method,
    path: `/api/v1${route.path}`,
    auth: 'bearer',
    body: route.method === 'get' ? 'none' : 'json',
  })),
];
