import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ConfigError } from '../config/env';
import { ensureDevGrpcTls, loadGrpcTls, writeGrpcTlsDirs } from './tls';

const scratch = () => mkdtempSync(path.join(tmpdir(), 'grpc-tls-'));

describe('internal gRPC certificates', () => {
  it('makes one CA per directory and a certificate per component that names it, reused afterwards', async () => {
    const dir = scratch();
    const gateway = await ensureDevGrpcTls(dir, 'gateway');
    const registry = await ensureDevGrpcTls(dir, 'registry');
    expect(gateway.ca.equals(registry.ca)).toBe(true);
    const ca = new X509Certificate(gateway.ca);
    const leaf = new X509Certificate(registry.cert);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toContain('DNS:registry');
    expect(leaf.checkHost('registry')).toBe('registry');
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    // Keys are readable by the owner only.
    expect(statSync(path.join(dir, 'ca.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'registry.pem')).mode & 0o777).toBe(0o600);
    const again = await ensureDevGrpcTls(dir, 'registry');
    expect(again.cert.equals(registry.cert)).toBe(true);
  });

  it('agrees on one CA when many processes start together', async () => {
    const dir = scratch();
    const all = await Promise.all(
      (['gateway', 'registry', 'auth', 'audit', 'billing'] as const).map((c) => ensureDevGrpcTls(dir, c)),
    );
    const ca = new X509Certificate(readFileSync(path.join(dir, 'ca.pem')));
    for (const material of all) expect(new X509Certificate(material.cert).verify(ca.publicKey)).toBe(true);
  });

  it('loads a mounted directory (ca.crt, tls.crt, tls.key) only for the component its certificate names', async () => {
    const root = scratch();
    await writeGrpcTlsDirs(root);
    const source = (dir: string) => ({ dir, dataDir: root, production: true });
    await expect(loadGrpcTls('auth', source(path.join(root, 'auth')))).resolves.toMatchObject({
      component: 'auth',
    });
    await expect(loadGrpcTls('auth', source(path.join(root, 'gateway')))).rejects.toThrow(
      'the certificate names gateway, but this process is auth',
    );
    await expect(loadGrpcTls('auth', source(path.join(root, 'missing')))).rejects.toBeInstanceOf(ConfigError);
  });

  it('requires GRPC_TLS_DIR in production instead of generating keys', async () => {
    await expect(loadGrpcTls('gateway', { dataDir: scratch(), production: true })).rejects.toThrow(
      'GRPC_TLS_DIR: required in production',
    );
  });
});
