import { z } from 'zod';
import { serviceEnvSchema, toServiceConfig, type ServiceConfig } from '@agentidp/nest-kit';
import {
  flag,
  parseEnv,
  secretKey,
  tierEnforcementShape,
  tokenShape,
  toTierEnforcement,
  toTokenConfig,
  type Env,
  type TokenConfig,
} from '@agentidp/shared/config';

/** A did:web method-specific id: a host name, its port percent-encoded (`localhost%3A3000`). */
const DID_WEB_DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(%3a[0-9]{1,5})?$/i;

const registryEnvSchema = z.object({
  ...serviceEnvSchema.shape,
  ...tokenShape,
  ...tierEnforcementShape,
  /** Key of the HMAC that stores client secrets. No default: a known pepper is no pepper. */
  SECRET_PEPPER: secretKey(32),
  DID_WEB_DOMAIN: z
    .string()
    .regex(DID_WEB_DOMAIN, {
      message: 'must be a host name, with any port written as %3A, e.g. localhost%3A3000',
    })
    .optional(),
  /** Also audit's setting: `false` hides the agent cards (ListAgentCards → not_found) like the report. */
  COMPLIANCE_ENABLED: flag(true),
});

export interface RegistryConfig extends ServiceConfig {
  /** Token settings: the access-token TTL sizes revocation keys. */
  token: TokenConfig;
  /** HMAC key for client secrets (as given, base64). Never log the config object. */
  secretPepper: string;
  /** Domain of agent DIDs: `did:web:<didWebDomain>:agents:<agent_id>`. */
  didWebDomain: string;
  /** TIER_ENFORCEMENT: `false` lets an org register agents past its tier's max_agents. */
  tierEnforcement: boolean;
  /** COMPLIANCE_ENABLED: `false` makes ListAgentCards answer not_found (GET /compliance/agent-cards 404). */
  complianceEnabled: boolean;
}

/** Parses the registry service's environment (throws ConfigError naming the bad variables). */
export function loadRegistryConfig(env: Env): RegistryConfig {
  const parsed = parseEnv(registryEnvSchema, env);
  const token = toTokenConfig(parsed);
  return {
    ...toServiceConfig('registry', parsed),
    token,
    secretPepper: parsed.SECRET_PEPPER,
    didWebDomain: parsed.DID_WEB_DOMAIN ?? didWebDomainOf(token.issuer),
    tierEnforcement: toTierEnforcement(parsed),
    complianceEnabled: parsed.COMPLIANCE_ENABLED,
  };
}

/**
 * The did:web domain of a base URL: its host, with the port's ':' percent-encoded as the did:web
 * method requires (`http://localhost:3000` → `localhost%3A3000`).
 */
export function didWebDomainOf(baseUrl: string): string {
  return new URL(baseUrl).host.replace(':', '%3A');
}
