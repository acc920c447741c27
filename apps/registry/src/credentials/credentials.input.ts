import { z } from 'zod';
import { parseRequest } from '@agentidp/shared/errors';
import { canonicalUuid, credentialFields } from '@agentidp/shared/identity';
import { isTimeInRange, safeString, TIME_RANGE_MESSAGE } from '@agentidp/shared/schema';
import { pageLimit } from '../agents/agents.input';
import { decodeCursor } from '../agents/cursor';

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

export interface ListCredentialsInput {
  agentId: string;
  /** 1-100; 0: the default page size. */
  limit: number;
  /** '' for the first page. */
  cursor: string;
}

/** Keyset position of the last credential of a page. */
export interface CredentialCursor {
  createdAt: Date;
  credentialId: string;
}

export interface CredentialListQuery {
  agentId: string;
  limit: number;
  after?: CredentialCursor;
}

/**
 * An agent's credentials page like its agents: newest first, `limit` and an opaque cursor in the
 * same format as the agent list's (`created_at` and the row's id).
 */
const listCredentialsSchema = z.object({
  agent_id: canonicalUuid,
  limit: pageLimit,
  cursor: safeString().transform((value, ctx): CredentialCursor | undefined => {
    if (value === '') return undefined;
    const position = decodeCursor(value);
    if (!position) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor from a previous page' });
      return z.NEVER;
    }
    return { createdAt: position.createdAt, credentialId: position.agentId };
  }),
});

export function parseListCredentials(input: ListCredentialsInput): CredentialListQuery {
  const valid = parseRequest(
    listCredentialsSchema,
    { agent_id: input.agentId, limit: input.limit, cursor: input.cursor },
    'list query',
  );
  return { agentId: valid.agent_id, limit: valid.limit, after: valid.cursor };
}
