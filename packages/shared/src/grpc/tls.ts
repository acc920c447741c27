// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs the Reflect polyfill.
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, linkSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { credentials, ServerCredentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import * as x509 from '@peculiar/x509';
import { ConfigError } from '../config/env';
import { SERVICE_NAMES, type ServiceName } from '../config/ports';
import type { GrpcTlsSource } from '../config/stack';
import { CHANNEL_OPTIONS } from './client';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/**
 * Who takes part in internal gRPC: the gateway and the four services. Each holds a certificate of
 * the stack's private CA that names it (a DNS subject alternative name, or the common name), and
 * every connection between them is mutually authenticated with those certificates.
 */
export type GrpcComponent = 'gateway' | ServiceName;
export const GRPC_COMPONENTS: readonly GrpcComponent[] = ['gateway', ...SERVICE_NAMES];

/** One component's PEM material: the CA that signs every peer, its own certificate and key. */
export interface GrpcTlsMaterial {
  component: GrpcComponent;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const CA_YEARS = 10;
const LEAF_YEARS = 2;

/**
 * The material of `component`: read from `source.dir`, or (development and tests only) generated
 * on first use under `<dataDir>/grpc-tls` and reused afterwards. Production requires `dir`: keys
 * come from the platform's secrets, never from a data volume. The certificate must name the
 * component it is loaded for.
 */
export async function loadGrpcTls(component: GrpcComponent, source: GrpcTlsSource): Promise<GrpcTlsMaterial> {
  let material: GrpcTlsMaterial;
  if (source.dir) {
    const read = (file: string) => {
      const full = path.join(source.dir as string, file);
      try {
        return readFileSync(full);
      } catch {
        throw new ConfigError(`GRPC_TLS_DIR: cannot read ${full}`);
      }
    };
    material = { component, ca: read('ca.crt'), cert: read('tls.crt'), key: read('tls.key') };
  } else if (source.production) {
    throw new ConfigError(
      'GRPC_TLS_DIR: required in production (a directory with ca.crt, tls.crt and tls.key for internal gRPC)',
    );
  } else {
    material = await ensureDevGrpcTls(path.join(source.dataDir, 'grpc-tls'), component);
  }
  const named = certificateComponent(new x509.X509Certificate(material.cert));
  if (named !== component) {
    throw new ConfigError(
      `GRPC_TLS_DIR: the certificate names ${named ?? 'no component'}, but this process is ${component}`,
    );
  }
  return material;
}

/**
 * Development material under `dir`: a CA (`ca.pem`, key and certificate) made by the first process
 * that needs it, and one `<component>.pem` per component signed by it. Files are created with an
 * exclusive link, so processes starting together agree on one CA; keys are mode 0600.
 */
export async function ensureDevGrpcTls(dir: string, component: GrpcComponent): Promise<GrpcTlsMaterial> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = path.join(dir, 'ca.pem');
  if (!existsSync(caFile)) createExclusive(caFile, await newCa());
  const ca = parsePem(readFileSync(caFile, 'utf8'));
  const leafFile = path.join(dir, `${component}.pem`);
  if (!existsSync(leafFile)) createExclusive(leafFile, await newLeaf(ca, component));
  const leaf = parsePem(readFileSync(leafFile, 'utf8'));
  return {
    component,
    ca: Buffer.from(ca.certificate),
    cert: Buffer.from(leaf.certificate),
    key: Buffer.from(leaf.privateKey),
  };
}

/**
 * Writes, under `root`, what a deployment mounts: `<component>/{ca.crt,tls.crt,tls.key}` for every
 * component (each directory is one component's secret, for its GRPC_TLS_DIR), from a CA made on
 * first use and kept in `root/ca.pem` (key included: keep it out of every container, to issue
 * certificates later). Existing material is kept, so running it again changes nothing.
 */
export async function writeGrpcTlsDirs(root: string): Promise<string[]> {
  const written: string[] = [];
  for (const component of GRPC_COMPONENTS) {
    const material = await ensureDevGrpcTls(root, component);
    const dir = path.join(root, component);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(dir, 'ca.crt'), material.ca, { mode: 0o644 });
    writeFileSync(path.join(dir, 'tls.crt'), material.cert, { mode: 0o644 });
    writeFileSync(path.join(dir, 'tls.key'), material.key, { mode: 0o600 });
    written.push(dir);
  }
  return written;
}

/** Server side: a certificate of the CA is required from every client (mutual TLS). */
export function grpcServerCredentials(material: GrpcTlsMaterial): ServerCredentials {
  return ServerCredentials.createSsl(
    material.ca,
    [{ cert_chain: material.cert, private_key: material.key }],
    true,
  );
}

/**
 * Client side, for a channel to `peer`: presents this component's certificate and accepts only a
 * server whose certificate (from the CA) names `peer`, whatever address it was dialled at.
 */
export function grpcChannelCredentials(material: GrpcTlsMaterial, peer: GrpcComponent): ChannelCredentials {
  return credentials.createSsl(material.ca, material.key, material.cert, {
    checkServerIdentity: (_host, certificate) =>
      peerComponent(certificate) === peer
        ? undefined
        : new Error(`internal gRPC: expected the certificate of ${peer}`),
  });
}

/**
 * Channel options for a channel to `peer`: the shared ones, and the peer's component name as the
 * TLS server name (an IP address is no valid SNI name, and the name is what identifies the peer).
 */
export function grpcChannelOptions(peer: GrpcComponent): ChannelOptions {
  return { ...CHANNEL_OPTIONS, 'grpc.ssl_target_name_override': peer, 'grpc.default_authority': peer };
}

/** The component a verified peer certificate names: a DNS alternative name first, else the CN. */
export function peerComponent(certificate: PeerCertificate | undefined): GrpcComponent | undefined {
  if (!certificate) return undefined;
  const names = (certificate.subjectaltname ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
  const cn = certificate.subject?.CN;
  return [...names, ...(typeof cn === 'string' ? [cn] : [])].find(isComponent);
}

function certificateComponent(certificate: x509.X509Certificate): GrpcComponent | undefined {
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  const dns = san?.names.items.filter((name) => name.type === 'dns').map((name) => name.value) ?? [];
  const cn = certificate.subjectName.getField('CN');
  return [...dns, ...cn].find(isComponent);
}

function isComponent(name: string): name is GrpcComponent {
  return (GRPC_COMPONENTS as readonly string[]).includes(name);
}

interface PemPair {
  certificate: string;
  privateKey: string;
}

async function newCa(): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=AgentIdP internal CA',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: yearsFromNow(CA_YEARS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return pem(certificate, await exportKey(keys.privateKey));
}

async function newLeaf(ca: PemPair, component: GrpcComponent): Promise<string> {
  const caCertificate = new x509.X509Certificate(ca.certificate);
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(ca.privateKey),
    ALGORITHM,
    false,
    ['sign'],
  );
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${component}`,
    issuer: caCertificate.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: yearsFromNow(LEAF_YEARS),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      // The component name identifies the peer; localhost and 127.0.0.1 let ordinary TLS tools
      // (openssl s_client, grpcurl) talk to a development stack too.
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: component },
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate),
    ],
  });
  return pem(certificate, await exportKey(keys.privateKey));
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function pem(certificate: x509.X509Certificate, privateKey: string): string {
  return `${privateKey.trim()}\n${certificate.toString('pem').trim()}\n`;
}

function parsePem(text: string): PemPair {
  const block = (label: string) => {
    const match = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`).exec(text);
    if (!match) throw new ConfigError(`internal gRPC material: no ${label} in a file of DATA_DIR/grpc-tls`);
    return `${match[0]}\n`;
  };
  return { certificate: block('CERTIFICATE'), privateKey: block('PRIVATE KEY') };
}

/** Writes `content` to `file` unless another process created it first (then theirs stands). */
function createExclusive(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temporary, content, { mode: 0o600 });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}

function serial(): string {
  // Positive and non-zero: the top bit cleared, one bit set.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function yearsFromNow(years: number): Date {
  const date = new Date();
  date.setUTCFullYear(date.getUTCFullYear() + years);
  return date;
}
