import { z } from 'zod';

/** One `host:port` entry: a DNS name, an IPv4 address or a bracketed IPv6 address, and a port. */
const TARGET = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?):(\d{1,5})$/;

/**
 * Settings of every request AgentIdP makes to a URL it was given (webhooks, partner JWKS,
 * discovery documents). One definition so each process that sends such requests reads it alike.
 */
export const outboundShape = {
  /**
   * Comma-separated `host:port` pairs exempt from the outbound rules (https only, public addresses
   * only), `http` included: for a receiver on this machine in development and tests, never in
   * production.
   */
  OUTBOUND_ALLOWED_TARGETS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim().toLowerCase())
        .filter((entry) => entry !== ''),
    )
    .refine((entries) => entries.every((entry) => isTarget(entry)), {
      message: 'must be a comma-separated list of host:port',
    })
    .optional(),
};

function isTarget(entry: string): boolean {
  const match = TARGET.exec(entry);
  return match !== null && Number(match[3]) > 0 && Number(match[3]) <= 65_535;
}

export interface OutboundConfig {
  /** Lower-case `host:port` pairs (IPv6 hosts in brackets), as `URL.host` spells them. */
  allowedTargets: readonly string[];
}

type OutboundEnv = z.output<z.ZodObject<typeof outboundShape>>;

export function toOutboundConfig(env: OutboundEnv): OutboundConfig {
  return { allowedTargets: env.OUTBOUND_ALLOWED_TARGETS ?? [] };
}
