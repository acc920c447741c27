import type { Express } from 'express';
import request from 'supertest';

/** `Authorization: Basic …` of `client_secret_basic` (RFC 6749 §2.3.1: each part form-urlencoded first). */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/** An `application/x-www-form-urlencoded` body from pairs (a name may repeat). */
export function formBody(pairs: Record<string, string> | [string, string][]): string {
  return new URLSearchParams(Array.isArray(pairs) ? pairs : Object.entries(pairs)).toString();
}

/** POST `fields` as a form to `path` of the app (an OAuth endpoint), with `authorization` if given. */
export function postForm(
  app: Express,
  path: string,
  fields: Record<string, string> | [string, string][],
  authorization?: string,
): request.Test {
  const req = request(app).post(path).type('form');
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req.send(formBody(fields));
}
