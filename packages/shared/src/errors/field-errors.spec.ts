import { z } from 'zod';
import { DomainError } from './domain-error';
import { fieldPath, FieldErrors, parseRequest } from './field-errors';

describe('fieldPath', () => {
  it('joins names with dots and list items with [i]', () => {
    expect(fieldPath('', ['capabilities', 2])).toBe('capabilities[2]');
    expect(fieldPath('metadata', ['owner', 'name'])).toBe('metadata.owner.name');
    expect(fieldPath('scopes', [0])).toBe('scopes[0]');
    expect(fieldPath('', [])).toBe('');
  });
});

describe('FieldErrors', () => {
  it('collects every bad field into one validation_error', () => {
    const errors = new FieldErrors();
    expect(
      errors.check('', z.object({ a: z.string(), b: z.array(z.number()) }), { a: 1, b: ['x'] }),
    ).toBeUndefined();
    errors.add('days', 'must be an integer from 1 to 90');
    let thrown: unknown;
    try {
      errors.throwIfAny('query');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    const domain = thrown as DomainError;
    expect(domain.code).toBe('validation_error');
    expect(domain.errors?.map((e) => e.path)).toEqual(['a', 'b[0]', 'days']);
    expect(domain.message).toMatch(/^Invalid query: a .*; b\[0\] .*; days must be/);
  });

  it('returns the parsed value and throws nothing when all is well', () => {
    const errors = new FieldErrors();
    expect(errors.check('limit', z.coerce.number(), '5')).toBe(5);
    expect(() => errors.throwIfAny('query')).not.toThrow();
  });
});

describe(parseRequest.name, () => {
  const schema = z.strictObject({ limit: z.coerce.number().int().min(1), tags: z.array(z.string()) });

  function failure(value: unknown): DomainError {
    try {
      parseRequest(schema, value, 'query');
    } catch (error) {
      return error as DomainError;
    }
    throw new Error('parseRequest accepted bad input');
  }

  it('returns the parsed value', () => {
    expect(parseRequest(schema, { limit: '5', tags: ['a'] }, 'query')).toEqual({ limit: 5, tags: ['a'] });
  });

  it('names every bad field, list items as [i] and each unknown field on its own', () => {
    const error = failure({ limit: 0, tags: ['a', 2], extra: 1, other: 2 });
    expect(error.code).toBe('validation_error');
    expect(error.errors).toEqual([
      { path: 'limit', message: expect.any(String) },
      { path: 'tags[1]', message: expect.any(String) },
      { path: 'extra', message: 'is not a known field' },
      { path: 'other', message: 'is not a known field' },
    ]);
    expect(error.message).toMatch(
      /^Invalid query: limit .*; tags\[1\] .*; extra is not a known field; other/,
    );
  });

  it('reports a problem with the whole input under the name of the request', () => {
    expect(failure('not an object').errors).toEqual([{ path: 'query', message: expect.any(String) }]);
  });
});
