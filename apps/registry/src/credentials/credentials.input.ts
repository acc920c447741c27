import { z } from 'zod';
import { parseRequest } from '@agentidp/shared/errors';
import { canonicalUuid, credentialFields } from '@agentidp/shared/identity';
import { isTimeInRange, TIME_RANGE_MESSAGE } from '@agentidp/shared/schema';

/** Request rules of the credential RPCs, keyed by the public API's field names. */

export interface CreateCredentialInput {
  agentId: string;
  scopes: string[];
  /** Undefined: the credential does not expire. */
  expiresAt?: Date;
}

export interface ValidCreateCredential {
  agentId: string;
  scopes: string[];
  expiresAt: Date | null;
}

export function parseCreateCredential(input: CreateCredentialInput, now: Date): ValidCreateCredential {
  const schema = z.object({
    agent_id: canonicalUuid,
    scopes: credentialFields.scopes,
    expires_at: z
      .date({ message: 'must be a valid time' })
      .refine((date) => !Number.isNaN(date.getTime()), { message: 'must be a valid time', abort: true })
      .refine(isTimeInRange, { message: TIME_RANGE_MESSAGE, abort: true })
      .refine((date) => date.getTime() > now.getTime(), { message: 'must be in the future' })
      .optional(),
  });
  const valid = parseRequest(
    schema,
    { agent_id: input.agentId, scopes: input.scopes, expires_at: input.expiresAt },
    'credential',
  );
  return { agentId: valid.agent_id, scopes: valid.scopes, expiresAt: valid.expires_at ?? null };
}

export interface CredentialRef {
  agentId: string;
  credentialId: string;
}

const credentialRef = z.object({ agent_id: canonicalUuid, credential_id: canonicalUuid });

export function parseCredentialRef(input: CredentialRef): CredentialRef {
  const valid = parseRequest(
    credentialRef,
    { agent_id: input.agentId, credential_id: input.credentialId },
    'credential reference',
  );
  return { agentId: valid.agent_id, credentialId: valid.credential_id };
}

export interface RotateCredentialInput extends CredentialRef {
  gracePeriodSeconds: number;
}

export function parseRotateCredential(input: RotateCredentialInput): RotateCredentialInput {
  const schema = credentialRef.extend({ grace_period_seconds: credentialFields.gracePeriodSeconds });
  const valid = parseRequest(
    schema,
    {
      agent_id: input.agentId,
      credential_id: input.credentialId,
      grace_period_seconds: input.gracePeriodSeconds,
    },
    'rotation',
  );
  return {
    agentId: valid.agent_id,
    credentialId: valid.credential_id,
    gracePeriodSeconds: valid.grace_period_seconds,
  };
}
