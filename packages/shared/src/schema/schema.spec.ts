import { checkJsonText, checkJsonValue, jsonObject, JSON_MAX_DEPTH } from './json';
import { isSafeText, safeString, toSafeText } from './text';
import { dateTime, isBigintText, isTimeInRange } from './time';

describe('safe text', () => {
  it.each([
    ['plain', true],
    ['emoji 😀 (a surrogate pair)', true],
    ['', true],
    ['nul \u0000 inside', false],
    ['lone high \ud800', false],
    ['lone low \udc00 first', false],
    ['reversed pair \ude00\ud83d', false],
  ])('%j → %s', (value, safe) => {
    expect(isSafeText(value)).toBe(safe);
    expect(safeString().safeParse(value).success).toBe(safe);
  });

  it('safeString names the problem before any later rule', () => {
    const result = safeString().max(2).safeParse('abc\u0000');
    expect(result.error?.issues.map((i) => i.message)).toEqual([
      'must not contain U+0000 or unpaired surrogates',
    ]);
  });

  it('toSafeText replaces each unsafe unit with U+FFFD and keeps pairs', () => {
    expect(toSafeText('a\u0000b\ud800c😀')).toBe('a\ufffdb\ufffdc😀');
  });
});

describe('checkJsonText: bounds before parsing, without recursion', () => {
  const bounds = { maxDepth: JSON_MAX_DEPTH, maxElements: 100 };
  const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

  it('allows 32 levels and refuses 33, and 1,000,000 without a stack overflow', () => {
    expect(checkJsonText(nested(32), bounds)).toBeUndefined();
    expect(checkJsonText(nested(33), bounds)).toBe('is nested deeper than 32 levels');
    expect(checkJsonText(nested(1_000_000), bounds)).toBe('is nested deeper than 32 levels');
  });

  it('ignores brackets and commas inside strings, escaped quotes included', () => {
    expect(checkJsonText(`{"a":"${'[,'.repeat(500)}\\"[["}`, bounds)).toBeUndefined();
  });

  it('counts values', () => {
    expect(
      checkJsonText(`[${Array(100).fill(1).join(',')}]`, { maxDepth: 32, maxElements: 101 }),
    ).toBeUndefined();
    expect(checkJsonText(`[${Array(101).fill(1).join(',')}]`, bounds)).toBe('holds more than 100 values');
  });
});

describe('checkJsonValue and jsonObject', () => {
  it('names the path of an unsafe value or key', () => {
    expect(checkJsonValue({ a: { b: ['ok', 'x\u0000'] } }, 'metadata')).toEqual({
      path: 'metadata.a.b[1]',
      message: 'must not contain U+0000 or unpaired surrogates',
    });
    expect(checkJsonValue({ a: { ['k\ud800']: 1 } }, 'metadata')?.path).toBe('metadata.a');
  });

  it('refuses nesting past the bound without recursing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(checkJsonValue(deep, 'metadata')?.message).toBe('is nested deeper than 32 levels');
  });

  it('jsonObject reports the path and never reaches the size rule with a bad value', () => {
    const schema = jsonObject(16);
    expect(schema.safeParse({ team: 'x\u0000' }).error?.issues[0]?.path).toEqual(['team']);
    expect(schema.safeParse([]).error?.issues[0]?.message).toBe('must be a JSON object');
    expect(schema.safeParse({ a: 'x'.repeat(20) }).error?.issues[0]?.message).toBe(
      'must be at most 16 bytes as JSON',
    );
    expect(schema.safeParse({ a: 1 }).data).toEqual({ a: 1 });
  });
});

describe('time and cursor bounds', () => {
  it.each([
    ['0001-01-01T00:00:00Z', true],
    ['9999-12-31T23:59:59.999Z', true],
    ['0000-12-31T23:59:59Z', false],
    ['9999-12-31T23:59:59-23:59', false],
  ])('%s in range: %s', (value, ok) => {
    expect(isTimeInRange(new Date(value))).toBe(ok);
    expect(dateTime().safeParse(value).success).toBe(ok);
  });

  it('bigint text', () => {
    expect(isBigintText('9223372036854775807')).toBe(true);
    expect(isBigintText('9223372036854775808')).toBe(false);
    expect(isBigintText('-1')).toBe(false);
  });
});
