import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withDevDefaults } from './dev-secrets';

const GENERATED = ['SECRET_PEPPER', 'KEY_ENCRYPTION_KEY', 'AUDIT_HMAC_KEY', 'WEBHOOK_SECRET_KEY'];

describe(withDevDefaults.name, () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agentidp-dev-secrets-')), 'data');
  });
  afterEach(() => fs.rmSync(path.dirname(dataDir), { recursive: true, force: true }));

  const secretsFile = () => path.join(dataDir, 'secrets.json');

  it('generates 32-byte secrets once, keeps them in secrets.json (0600) and reuses them on the next start', () => {
    const first = withDevDefaults({ PORT: '3000' }, dataDir);
    for (const name of GENERATED) expect(Buffer.from(first[name] ?? '', 'base64')).toHaveLength(32);
    expect(new Set(GENERATED.map((name) => first[name])).size).toBe(GENERATED.length);
    expect(first.ISSUER_URL).toBe('http://localhost:3000');
    expect(fs.statSync(secretsFile()).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(secretsFile(), 'utf8'))).toEqual(
      Object.fromEntries(GENERATED.map((name) => [name, first[name]])),
    );

    const second = withDevDefaults({ PORT: '3000' }, dataDir);
    for (const name of GENERATED) expect(second[name]).toBe(first[name]);
  });

  it('keeps secrets the environment sets and generates only the missing ones', () => {
    const env = withDevDefaults({ SECRET_PEPPER: 'from-env', ISSUER_URL: 'https://id.example' }, dataDir);
    expect(env.SECRET_PEPPER).toBe('from-env');
    expect(env.ISSUER_URL).toBe('https://id.example');
    expect(Object.keys(JSON.parse(fs.readFileSync(secretsFile(), 'utf8'))).sort()).toEqual([
      'AUDIT_HMAC_KEY',
      'KEY_ENCRYPTION_KEY',
      'WEBHOOK_SECRET_KEY',
    ]);
  });

  it('writes nothing when every secret is set, and does not change the input', () => {
    const input = Object.fromEntries(GENERATED.map((name) => [name, `${name}-value`]));
    const env = withDevDefaults(input, dataDir);
    expect(env).toEqual(input);
    expect(env).not.toBe(input);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('never generates in production: a missing secret must stop the service there', () => {
    const env = withDevDefaults({ NODE_ENV: 'production', PORT: '8080' }, dataDir);
    for (const name of GENERATED) expect(env[name]).toBeUndefined();
    expect(env.ISSUER_URL).toBe('http://localhost:8080');
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
