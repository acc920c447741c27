import { verifyStandardWebhook } from '@agentidp/shared/testing';
import { newSigningSecret, openSecret, sealSecret, secretSealingKey, signatureHeaders } from './secrets';

describe('webhook signing secrets', () => {
  it('are whsec_ and base64 of 32 random bytes, different every time', () => {
    const a = newSigningSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(newSigningSecret()).not.toBe(a);
  });

  it('are sealed at rest, bound to their webhook', () => {
    const key = secretSealingKey(Buffer.alloc(32, 3));
    const secret = newSigningSecret();
    const sealed = sealSecret(key, 'w1', secret);
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(openSecret(key, 'w1', sealed)).toBe(secret);
    expect(() => openSecret(key, 'w2', sealed)).toThrow(
      /^WEBHOOK_SECRET_KEY: cannot open the signing secret of webhook w2 /,
    );
    expect(() => openSecret(secretSealingKey(Buffer.alloc(32, 4)), 'w1', sealed)).toThrow(
      /WEBHOOK_SECRET_KEY/,
    );
  });
});

describe('signatureHeaders', () => {
  const body = JSON.stringify({ id: 'e1', type: 'agent.created', data: { x: 'ü' } });
  const at = new Date('2026-12-01T10:00:00.900Z');

  it('signs as Standard Webhooks specifies: an independent implementation verifies it', () => {
    const secret = newSigningSecret();
    const headers = signatureHeaders([secret], 'msg_1', at, body);
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-timestamp']).toBe('1796119200');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verifyStandardWebhook(secret, headers, body)).toBe(true);
    expect(verifyStandardWebhook(secret, headers, `${body} `)).toBe(false);
    expect(verifyStandardWebhook(newSigningSecret(), headers, body)).toBe(false);
  });

  it('during a rotation carries one signature per secret, so either verifies', () => {
    const [current, previous] = [newSigningSecret(), newSigningSecret()];
    const headers = signatureHeaders([current, previous], 'msg_2', at, body);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifyStandardWebhook(current, headers, body)).toBe(true);
    expect(verifyStandardWebhook(previous, headers, body)).toBe(true);
  });
});
