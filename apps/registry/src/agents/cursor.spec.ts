import { decodeCursor, encodeCursor } from './cursor';

describe('agent list cursors', () => {
  const position = {
    createdAt: new Date('2026-11-23T10:00:00.123Z'),
    agentId: '3b241101-e2bb-4255-8caf-4136c566a962',
  };

  it('round-trip the keyset position and look opaque', () => {
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(position.agentId);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['another version', Buffer.from(`v2:1:${position.agentId}`).toString('base64url')],
    ['no uuid', Buffer.from('v1:1:robert').toString('base64url')],
    ['no time', Buffer.from(`v1::${position.agentId}`).toString('base64url')],
    ['too long', 'A'.repeat(200)],
  ])('reject %s', (_name, value) => {
    expect(decodeCursor(value)).toBeUndefined();
  });
});
