import { DomainError } from '../errors';
import { conflictOnUniqueViolation, isUniqueViolation } from './unique-violation';

const violation = (constraint?: string) =>
  Object.assign(new Error('duplicate key'), { code: '23505', constraint });

describe(isUniqueViolation.name, () => {
  it('recognises 23505, of any constraint or of the one named', () => {
    expect(isUniqueViolation(violation('organizations_slug_key'))).toBe(true);
    expect(isUniqueViolation(violation('organizations_slug_key'), 'organizations_slug_key')).toBe(true);
    expect(isUniqueViolation(violation('agents_org_email_key'), 'organizations_slug_key')).toBe(false);
  });

  it('is false for other errors and non-errors', () => {
    expect(isUniqueViolation(Object.assign(new Error('fk'), { code: '23503' }))).toBe(false);
    expect(isUniqueViolation('23505')).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });
});

describe(conflictOnUniqueViolation.name, () => {
  const messages = { organizations_slug_key: 'The slug is taken' };

  it("maps a unique violation to conflict with its constraint's message", () => {
    expect(() => conflictOnUniqueViolation(violation('organizations_slug_key'), messages)).toThrow(
      expect.objectContaining({ code: 'conflict', message: 'The slug is taken' }),
    );
    expect(() => conflictOnUniqueViolation(violation('other_key'), messages)).toThrow(
      expect.objectContaining({ code: 'conflict', message: 'The resource already exists' }),
    );
  });

  it('rethrows anything else unchanged', () => {
    const other = new Error('connection reset');
    expect(() => conflictOnUniqueViolation(other, messages)).toThrow(other);
    expect(() => conflictOnUniqueViolation(other, messages)).not.toThrow(DomainError);
  });
});
