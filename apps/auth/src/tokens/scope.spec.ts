import { decideScopes, MAX_SCOPE_PARAMETER_LENGTH } from './scope';

describe(decideScopes.name, () => {
  const allowed = ['documents:read', 'documents:write', 'openid'];

  it('grants every allowed scope when none is requested', () => {
    expect(decideScopes('', allowed)).toEqual({ ok: true, granted: allowed });
    expect(decideScopes('   ', allowed)).toEqual({ ok: true, granted: allowed });
    expect(decideScopes('', [])).toEqual({ ok: true, granted: [] });
  });

  it('grants a subset as requested, without repeats', () => {
    expect(decideScopes('openid documents:read openid', allowed)).toEqual({
      ok: true,
      granted: ['openid', 'documents:read'],
    });
  });

  it('names the first scope not allowed', () => {
    expect(decideScopes('documents:read admin:orgs billing:read', allowed)).toEqual({
      ok: false,
      description: 'Scope not allowed for this client: admin:orgs',
    });
  });

  it('refuses malformed and oversized scope parameters without echoing them', () => {
    expect(decideScopes('documents:read "quoted"', allowed)).toEqual({
      ok: false,
      description: 'scope is malformed',
    });
    expect(decideScopes('documents:read\tdocuments:write', allowed)).toEqual({
      ok: false,
      description: 'scope is malformed',
    });
    expect(decideScopes('a'.repeat(MAX_SCOPE_PARAMETER_LENGTH + 1), allowed)).toEqual({
      ok: false,
      description: 'scope is too long',
    });
  });
});
