import type { Response } from 'express';
import { ERROR_CODES, type DomainError } from '@agentidp/shared/errors';

/** The problem+json body of every error answer (RFC 9457), with our `code` and `request_id` members. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  request_id: string;
  details?: Record<string, unknown>;
  errors?: { path: string; message: string }[];
}

export const PROBLEM_TYPE_BASE = 'https://agentidp.dev/problems/';

export function problemBody(error: DomainError, requestId: string): ProblemBody {
  const entry = ERROR_CODES[error.code];
  const body: ProblemBody = {
    type: `${PROBLEM_TYPE_BASE}${error.code.replace(/_/g, '-')}`,
    title: entry.title,
    status: entry.http,
    // 5xx never expose internals: the title stands in for the message.
    detail: error.expose ? error.message : entry.title,
    code: error.code,
    request_id: requestId,
  };
  if (error.expose && error.details) body.details = error.details;
  if (error.errors && error.errors.length > 0) body.errors = error.errors;
  return body;
}

export function sendProblem(res: Response, error: DomainError): void {
  const body = problemBody(error, res.locals.requestId as string);
  // Every 401 and 403 carries a challenge (RFC 6750 §3); a more specific one (no token sent, the
  // scope a route needs) may already be set. A `forbidden` rule refuses what the token may not do:
  // insufficient_scope without a single scope that would help.
  if (!res.hasHeader('WWW-Authenticate')) {
    if (body.status === 401) res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
    if (body.status === 403) res.setHeader('WWW-Authenticate', 'Bearer error="insufficient_scope"');
  }
  res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
}
