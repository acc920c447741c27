import { CAPABILITY_PATTERN, isManagementScope, MANAGEMENT_SCOPES, parseScope } from './scopes';

describe('scopes', () => {
  it('lists the management scopes of the public API', () => {
    expect(MANAGEMENT_SCOPES).toContain('admin:orgs');
    expect(MANAGEMENT_SCOPES).toContain('agents:write');
    expect(isManagementScope('tokens:read')).toBe(true);
    expect(isManagementScope('documents:read')).toBe(false);
  });

  it('parses a scope parameter into distinct scopes', () => {
    expect(parseScope('a:b  c:d a:b')).toEqual(['a:b', 'c:d']);
    expect(parseScope('')).toEqual([]);
    expect(parseScope(undefined)).toEqual([]);
  });

  it('capabilities are resource:action', () => {
    expect(CAPABILITY_PATTERN.test('documents:read')).toBe(true);
    expect(CAPABILITY_PATTERN.test('invoices:*')).toBe(true);
    expect(CAPABILITY_PATTERN.test('read')).toBe(false);
    expect(CAPABILITY_PATTERN.test('Docs:Read')).toBe(false);
    expect(CAPABILITY_PATTERN.test('a:b:c')).toBe(false);
  });
});
