import { createHash, generateKeyPair, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { access, chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';
import type { JwsAlg } from './jws.js';

/** A development PKI: a self-signed root CA and the hub certificate it issued. All PEM. */
export interface DevPki {
  caCertPem: string;
  /** PKCS#8, unencrypted: development only. */
  caKeyPem: string;
  hubCertPem: string;
  /** PKCS#8, unencrypted: development only. */
  hubKeyPem: string;
  /** The hub certificate, then the CA certificate. */
  chainPem: string;
}

export interface DevPkiOptions {
  /** ES256 gives the hub an EC P-256 key, RS256 an RSA-2048 key. The CA is always RSA-2048. */
  alg: JwsAlg;
  hubCommonName?: string;
  organisation?: string;
  /** Start of both certificates' validity (truncated to the second). Defaults to the current time. */
  now?: Date;
  /** Length of both certificates' validity, in days. Default 365. */
  validDays?: number;
}

const { asn1 } = forge;
const DAY_MS = 86_400_000;
const SHA256_WITH_RSA = forge.pki.oids.sha256WithRSAEncryption!;
// Typed locally: @types/node-forge omits this helper and fromDer's options object.
const { certificateExtensionsToAsn1 } = forge.pki as unknown as {
  certificateExtensionsToAsn1(exts: unknown[]): forge.asn1.Asn1;
};
const fromDer = asn1.fromDer as unknown as (bytes: string, options: { decodeBitStrings: boolean }) => forge.asn1.Asn1;

const toBinary = (buf: Buffer): string => buf.toString('binary');
const derOf = (node: forge.asn1.Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
const seq = (items: forge.asn1.Asn1[]): forge.asn1.Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const sigAlgorithm = (): forge.asn1.Asn1 =>
  seq([
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(SHA256_WITH_RSA).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
  ]);

// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
const time = (d: Date): forge.asn1.Asn1 =>
  d.getUTCFullYear() < 2050
    ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(d))
    : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));

const names = (organisation: string, commonName: string): forge.pki.CertificateField[] => [
  { shortName: 'C', value: 'VN' },
  { shortName: 'O', value: organisation, valueTagClass: asn1.Type.UTF8 as unknown as forge.asn1.Class },
  { shortName: 'CN', value: commonName, valueTagClass: asn1.Type.UTF8 as unknown as forge.asn1.Class },
];

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING (as `openssl ... subjectKeyIdentifier=hash`). */
function keyIdentifier(spkiDer: Buffer): Buffer {
  // decodeBitStrings: false keeps an EC point (0x04…) from being misread as nested ASN.1.
  const bits = (fromDer(toBinary(spkiDer), { decodeBitStrings: false }).value as forge.asn1.Asn1[])[1]!.value as string;
  return createHash('sha1').update(Buffer.from(bits.slice(1), 'binary')).digest();
}

interface CertSpec {
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.CertificateField[];
  publicKey: KeyObject;
  authorityKeyId: Buffer;
  isCa: boolean;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Issues an X.509 v3 certificate signed with sha256WithRSAEncryption by `caKey`. forge builds the names
 * and extensions, but cannot hold an EC public key, so the TBSCertificate is assembled here around the
 * SubjectPublicKeyInfo DER from node:crypto and signed with node:crypto.
 */
function issueCertificate(spec: CertSpec, caKey: KeyObject): X509Certificate {
  const spkiDer = spec.publicKey.export({ type: 'spki', format: 'der' });
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive, and no leading zero octet to strip (DER)
  const holder = forge.pki.createCertificate(); // forge fills in OIDs and extension values
  holder.setSubject(spec.subject);
  holder.setIssuer(spec.issuer);
  holder.setExtensions([
    { name: 'basicConstraints', critical: true, cA: spec.isCa },
    spec.isCa
      ? { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true }
      : { name: 'keyUsage', critical: true, digitalSignature: true, nonRepudiation: true },
    { name: 'subjectKeyIdentifier', value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, toBinary(keyIdentifier(spkiDer))) },
    { name: 'authorityKeyIdentifier', keyIdentifier: toBinary(spec.authorityKeyId) },
  ]);
  const tbs = seq([
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(2).getBytes())]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, toBinary(serial)),
    sigAlgorithm(),
    forge.pki.distinguishedNameToAsn1(holder.issuer),
    seq([time(spec.notBefore), time(spec.notAfter)]),
    forge.pki.distinguishedNameToAsn1(holder.subject),
    fromDer(toBinary(spkiDer), { decodeBitStrings: false }),
    certificateExtensionsToAsn1(holder.extensions),
  ]);
  const signature = sign('sha256', derOf(tbs), caKey); // RSA PKCS#1 v1.5
  const bitString = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, '\0' + toBinary(signature));
  return new X509Certificate(derOf(seq([tbs, sigAlgorithm(), bitString])));
}

function newKeyPair(type: 'rsa' | 'ec'): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject): void =>
      err ? reject(err) : resolve({ publicKey, privateKey });
    if (type === 'rsa') generateKeyPair('rsa', { modulusLength: 2048 }, done);
    else generateKeyPair('ec', { namedCurve: 'P-256' }, done);
  });
}

const pkcs8Pem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;

/** Creates a development root CA and a hub signing certificate issued by it. Pure: writes nothing. */
export async function createDevPki(opts: DevPkiOptions): Promise<DevPki> {
  const organisation = opts.organisation ?? 'lienthong (development)';
  const notBefore = new Date(Math.floor((opts.now ?? new Date()).getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + (opts.validDays ?? 365) * DAY_MS);
  const [ca, hub] = await Promise.all([newKeyPair('rsa'), newKeyPair(opts.alg === 'ES256' ? 'ec' : 'rsa')]);
  const caName = names(organisation, 'lienthong development root CA');
  const caKeyId = keyIdentifier(ca.publicKey.export({ type: 'spki', format: 'der' }));
  const common = { issuer: caName, authorityKeyId: caKeyId, notBefore, notAfter };
  const caCert = issueCertificate({ ...common, subject: caName, publicKey: ca.publicKey, isCa: true }, ca.privateKey);
  const hubName = names(organisation, opts.hubCommonName ?? 'lienthong hub');
  const hubCert = issueCertificate({ ...common, subject: hubName, publicKey: hub.publicKey, isCa: false }, ca.privateKey);
  return {
    caCertPem: caCert.toString(),
    caKeyPem: pkcs8Pem(ca.privateKey),
    hubCertPem: hubCert.toString(),
    hubKeyPem: pkcs8Pem(hub.privateKey),
    chainPem: hubCert.toString() + caCert.toString(),
  };
}

/** Paths written by `writeDevPki`. */
export interface DevPkiPaths {
  caCertPath: string;
  caKeyPath: string;
  hubCertPath: string;
  hubKeyPath: string;
  chainPath: string;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/**
 * Writes `ca.pem`, `ca-key.pem`, `hub-cert.pem`, `hub-key.pem` and `hub-chain.pem` into `dir` (created if
 * needed); private keys get mode 0600. Refuses, before writing anything, if any file exists, unless `force`.
 */
export async function writeDevPki(dir: string, pki: DevPki, opts: { force?: boolean } = {}): Promise<DevPkiPaths> {
  const paths: DevPkiPaths = {
    caCertPath: join(dir, 'ca.pem'),
    caKeyPath: join(dir, 'ca-key.pem'),
    hubCertPath: join(dir, 'hub-cert.pem'),
    hubKeyPath: join(dir, 'hub-key.pem'),
    chainPath: join(dir, 'hub-chain.pem'),
  };
  const files: [string, string, number][] = [
    [paths.caCertPath, pki.caCertPem, 0o644],
    [paths.caKeyPath, pki.caKeyPem, 0o600],
    [paths.hubCertPath, pki.hubCertPem, 0o644],
    [paths.hubKeyPath, pki.hubKeyPem, 0o600],
    [paths.chainPath, pki.chainPem, 0o644],
  ];
  await mkdir(dir, { recursive: true });
  if (!opts.force) {
    for (const [path] of files) {
      if (await exists(path)) throw new Error(`Refusing to overwrite ${path} (use --force, or { force: true }, to replace the development PKI)`);
    }
  }
  for (const [path, content, mode] of files) {
    // `mode` only applies on creation: tighten an existing file before the key lands in it.
    if (opts.force && (await exists(path))) await chmod(path, mode);
    // 'wx' still refuses if a file appeared since the check above.
    await writeFile(path, content, { mode, flag: opts.force ? 'w' : 'wx' });
  }
  return paths;
}
