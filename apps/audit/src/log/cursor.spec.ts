import { decodeCursor, encodeCursor } from './cursor';

const cursor = (text: string) => Buffer.from(text).toString('base64url');

describe('audit list cursors', () => {
  it('round-trip a position', () => {
    const position = { occurredAt: new Date('2026-01-02T03:04:05.678Z'), seq: '42' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each([
    ['a time before year 1', 'v1:-999999999999999:1'],
    ['a time after year 9999', 'v1:999999999999999:1'],
    ['a row sequence past the largest bigint', 'v1:1700000000000:9223372036854775808'],
    ['another format', 'v2:1700000000000:1'],
  ])('refuse %s (it would fail in Postgres, not here)', (_what, text) => {
    expect(decodeCursor(cursor(text))).toBeUndefined();
  });

  it('accept the largest bigint', () => {
    expect(decodeCursor(cursor('v1:1700000000000:9223372036854775807'))?.seq).toBe('9223372036854775807');
  });
});
