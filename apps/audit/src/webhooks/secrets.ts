import { randomBytes } from 'node:crypto';
import { deriveSealingKey, seal, unseal } from '@agentidp/shared/identity';
import { Webhook as Signer } from 'standardwebhooks';

/** The Standard Webhooks secret prefix; the rest is base64 of the key bytes. */
const PREFIX = 'whsec_';
const PURPOSE = 'agentidp audit webhook-secret encryption v1';

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The AES key that seals signing secrets, from WEBHOOK_SECRET_KEY. */
export function secretSealingKey(webhookSecretKey: Buffer): Buffer {
  return deriveSealingKey(webhookSecretKey, PURPOSE);
}

export function sealSecret(key: Buffer, webhookId: string, secret: string): string {
  return seal(key, webhookId, secret);
}

/** Opens a sealed secret; a failure means WEBHOOK_SECRET_KEY changed or the row was altered. */
export function openSecret(key: Buffer, webhookId: string, sealed: string): string {
  const opened = unseal(key, webhookId, sealed);
  if ('plaintext' in opened) return opened.plaintext;
  throw new Error(
    `WEBHOOK_SECRET_KEY: cannot open the signing secret of webhook ${webhookId} (another key than the one it was sealed with, or the row was altered)`,
  );
}

/**
 * The Standard Webhooks headers of one attempt. `secrets` are every secret in force (two during a
 * rotation's overlap): the signature header carries one `v1,<base64>` per secret, separated by
 * spaces, so a receiver holding either verifies.
 */
export function signatureHeaders(
  secrets: readonly string[],
  messageId: string,
  at: Date,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Signer(secret).sign(messageId, at, body)).join(' '),
  };
}
