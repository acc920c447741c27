import { refuseTarget, targetOf } from './target';

describe('refuseTarget', () => {
  it.each([
    ['https://127.0.0.1/hook', 'must not point to a private, loopback or reserved address'],
    ['https://10.0.0.1/hook', 'must not point to a private, loopback or reserved address'],
    ['https://169.254.169.254/latest/meta-data', 'must not point to a private, loopback or reserved address'],
    ['https://[::1]/hook', 'must not point to a private, loopback or reserved address'],
    ['https://[::ffff:127.0.0.1]/hook', 'must not point to a private, loopback or reserved address'],
    ['https://2130706433/hook', 'must not point to a private, loopback or reserved address'], // 127.0.0.1 as one number
    ['https://0x7f.1/hook', 'must not point to a private, loopback or reserved address'],
    ['http://example.com/hook', 'must be an https URL'],
    ['ftp://example.com/hook', 'must be an https URL'],
    ['https://user:pass@example.com/hook', 'must not carry user information'],
    ['/relative', 'must be an absolute URL'],
  ])('refuses %p', (url, reason) => {
    expect(refuseTarget(url, [])).toBe(reason);
  });

  it('accepts https URLs with a name or a public address', () => {
    expect(refuseTarget('https://hooks.example.com/in?x=1', [])).toBeUndefined();
    expect(refuseTarget('https://93.184.216.34:8443/in', [])).toBeUndefined();
  });

  it('exempts listed host:port pairs from both rules, http included, and nothing else', () => {
    const allowed = ['127.0.0.1:8080', 'localhost:443', '[::1]:9000'];
    expect(refuseTarget('http://127.0.0.1:8080/hook', allowed)).toBeUndefined();
    expect(refuseTarget('https://localhost/hook', allowed)).toBeUndefined();
    expect(refuseTarget('http://[::1]:9000/', allowed)).toBeUndefined();
    // Another port of the same host is not listed.
    expect(refuseTarget('http://127.0.0.1:8081/hook', allowed)).toBe('must be an https URL');
    expect(refuseTarget('https://127.0.0.1:8081/hook', allowed)).toBe(
      'must not point to a private, loopback or reserved address',
    );
  });
});

describe('targetOf', () => {
  it('fills in the default port of the scheme and lower-cases the host', () => {
    expect(targetOf(new URL('https://Hooks.Example.com/x'))).toBe('hooks.example.com:443');
    expect(targetOf(new URL('http://localhost/x'))).toBe('localhost:80');
    expect(targetOf(new URL('http://[::1]:9000/x'))).toBe('[::1]:9000');
  });
});
