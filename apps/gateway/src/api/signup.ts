import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { RegistryServiceClient } from '@agentidp/proto/grpc/agentid/registry/v1/registry';
import { DomainError, parseRequest } from '@agentidp/shared/errors';
import { callUnary } from '@agentidp/shared/grpc';
import type { KeyValueStore } from '@agentidp/shared/store';
import { BEARER_REALM } from '../auth/authenticate';
import { clientIp } from '../middleware/client-ip';
import type { SignupConfig } from '../config';
import { organization } from './presenters';
import { signupBody } from './schemas';

const HOUR_MS = 3_600_000;

/**
 * `POST /api/v1/organizations`: signup mode → per-IP budget → create (org, admin agent and its
 * credential in one registry transaction) → the one response that shows the admin secret.
 */
export function signup(deps: {
  config: SignupConfig;
  store: KeyValueStore;
  registry: RegistryServiceClient;
}): RequestHandler {
  const { config, store, registry } = deps;
  return (req, res, next) => {
    void (async () => {
      if (config.mode === 'closed')
        assertPlatformAdmin(req.get('authorization'), config, (v) => res.setHeader('WWW-Authenticate', v));
      const retryAfter = await spendSignupBudget(store, clientIp(req), config.perIpPerHour);
      if (retryAfter !== undefined) {
        res.setHeader('Retry-After', String(retryAfter));
        throw new DomainError('rate_limit_exceeded', 'Too many signups from this address; try again later');
      }
      const body = parseRequest(signupBody, req.body ?? {}, 'request body');
      const response = await callUnary(registry.createOrganization.bind(registry), body);
      const credential = response.adminCredential?.credential;
      // The one answer that shows the admin secret: never kept by a cache.
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json({
        ...organization(response.organization),
        admin_credential: {
          agent_id: credential?.agentId ?? '',
          credential_id: credential?.credentialId ?? '',
          client_id: credential?.clientId ?? '',
          client_secret: response.adminCredential?.clientSecret ?? '',
          scopes: credential?.scopes ?? [],
        },
      });
    })().catch(next);
  };
}

function assertPlatformAdmin(
  header: string | undefined,
  config: SignupConfig,
  challenge: (value: string) => void,
): void {
  const presented = /^Bearer (.+)$/.exec(header ?? '')?.[1];
  if (!presented) {
    challenge(BEARER_REALM);
    throw new DomainError('invalid_token', 'Signup is closed: the platform admin token is required');
  }
  // Compare digests so the comparison is constant-time whatever the lengths.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  if (!timingSafeEqual(digest(presented), digest(config.platformAdminToken ?? ''))) {
    throw new DomainError('forbidden', 'Signup is closed and this token may not create organizations');
  }
}

/** Fixed one-hour window per IP; returns seconds until the window ends when over budget. */
async function spendSignupBudget(
  store: KeyValueStore,
  ip: string,
  perHour: number,
): Promise<number | undefined> {
  const now = Date.now();
  const window = Math.floor(now / HOUR_MS);
  let count: number;
  try {
    count = await store.incr(`rl:signup:${ip}:${window}`, HOUR_MS);
  } catch (error) {
    throw new DomainError('service_unavailable', 'Signup is temporarily unavailable', { cause: error });
  }
  if (count <= perHour) return undefined;
  return Math.max(1, Math.ceil(((window + 1) * HOUR_MS - now) / 1000));
}
