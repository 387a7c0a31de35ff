import { createHash, createPrivateKey, generateKeyPair, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
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

/** `C=VN, O=<organisation>, CN=<commonName>`, the values as UTF8String. */
export const names = (organisation: string, commonName: string): forge.pki.CertificateField[] => [
  { shortName: 'C', value: 'VN' },
  { shortName: 'O', value: organisation, valueTagClass: asn1.Type.UTF8 as unknown as forge.asn1.Class },
  { shortName: 'CN', value: commonName, valueTagClass: asn1.Type.UTF8 as unknown as forge.asn1.Class },
];

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING (as `openssl ... subjectKeyIdentifier=hash`). */
export function keyIdentifier(spkiDer: Buffer): Buffer {
  // decodeBitStrings: false keeps an EC point (0x04…) from being misread as nested ASN.1.
  const bits = (fromDer(toBinary(spkiDer), { decodeBitStrings: false }).value as forge.asn1.Asn1[])[1]!.value as string;
  return createHash('sha1').update(Buffer.from(bits.slice(1), 'binary')).digest();
}

/** Extended key usages a development certificate can carry. */
export type DevExtendedKeyUsage = 'timeStamping';

/** What `issueCertificate` puts in a certificate. */
export interface CertSpec {
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.CertificateField[];
  publicKey: KeyObject;
  authorityKeyId: Buffer;
  isCa: boolean;
  /** Critical, as RFC 3161 §2.3 requires of a TSA certificate (and `openssl ts -verify` checks). */
  extendedKeyUsage?: DevExtendedKeyUsage;
  notBefore: Date;
  notAfter: Date;
  /**
   * forge extension descriptors that replace the default basicConstraints and keyUsage (from `isCa`);
   * the key identifiers (and `extendedKeyUsage`) are still added.
   */
  extensions?: object[];
  /** Serial number octets (positive, DER-minimal); default 16 random octets. */
  serial?: Buffer;
}

/**
 * Issues an X.509 v3 certificate signed with sha256WithRSAEncryption by `caKey`. forge builds the names
 * and extensions, but cannot hold an EC public key, so the TBSCertificate is assembled here around the
 * SubjectPublicKeyInfo DER from node:crypto and signed with node:crypto.
 */
export function issueCertificate(spec: CertSpec, caKey: KeyObject): X509Certificate {
  const spkiDer = spec.publicKey.export({ type: 'spki', format: 'der' });
  const serial = spec.serial ?? randomBytes(16);
  if (!spec.serial) serial[0] = (serial[0]! & 0x7f) | 0x40; // positive, and no leading zero octet to strip (DER)
  const holder = forge.pki.createCertificate(); // forge fills in OIDs and extension values
  holder.setSubject(spec.subject);
  holder.setIssuer(spec.issuer);
  holder.setExtensions([
    ...(spec.extensions ?? [
      { name: 'basicConstraints', critical: true, cA: spec.isCa },
      spec.isCa
        ? { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true }
        : { name: 'keyUsage', critical: true, digitalSignature: true, nonRepudiation: true },
    ]),
    { name: 'subjectKeyIdentifier', value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, toBinary(keyIdentifier(spkiDer))) },
    { name: 'authorityKeyIdentifier', keyIdentifier: toBinary(spec.authorityKeyId) },
    ...(spec.extendedKeyUsage ? [{ name: 'extKeyUsage', critical: true, [spec.extendedKeyUsage]: true }] : []),
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

/** A fresh RSA-2048 or EC P-256 key pair (node:crypto, off the main thread). */
export function newKeyPair(type: 'rsa' | 'ec'): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject): void =>
      err ? reject(err) : resolve({ publicKey, privateKey });
    if (type === 'rsa') generateKeyPair('rsa', { modulusLength: 2048 }, done);
    else generateKeyPair('ec', { namedCurve: 'P-256' }, done);
  });
}

const pkcs8Pem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;
const spkiKeyId = (key: KeyObject): Buffer => keyIdentifier(key.export({ type: 'spki', format: 'der' }));
const validity = (now: Date | undefined, validDays: number | undefined): { notBefore: Date; notAfter: Date } => {
  const notBefore = new Date(Math.floor((now ?? new Date()).getTime() / 1000) * 1000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + (validDays ?? 365) * DAY_MS) };
};

/** A development CA: its certificate and its private key (RSA-2048, PKCS#8, unencrypted), PEM. */
export type DevCa = Pick<DevPki, 'caCertPem' | 'caKeyPem'>;

/** What `issueDevCertificate` puts in an end-entity certificate. */
export interface DevCertificateOptions {
  /** ES256 gives the certificate an EC P-256 key, RS256 an RSA-2048 key. */
  alg: JwsAlg;
  commonName: string;
  organisation?: string;
  /** Start of validity (truncated to the second). Defaults to the current time. */
  now?: Date;
  /** Length of validity, in days. Default 365. */
  validDays?: number;
  /** Adds a critical extendedKeyUsage (`timeStamping`: a TSA certificate). */
  extendedKeyUsage?: DevExtendedKeyUsage;
}

/** An end-entity certificate and its private key (PKCS#8, unencrypted: development only), PEM. */
export interface DevCertificate {
  certPem: string;
  keyPem: string;
}

function issueEndEntity(ca: { cert: X509Certificate; key: KeyObject; name: forge.pki.CertificateField[] }, publicKey: KeyObject, opts: DevCertificateOptions): X509Certificate {
  return issueCertificate({
    ...validity(opts.now, opts.validDays),
    subject: names(opts.organisation ?? 'lienthong (development)', opts.commonName),
    issuer: ca.name,
    authorityKeyId: spkiKeyId(ca.cert.publicKey),
    publicKey,
    isCa: false,
    ...(opts.extendedKeyUsage ? { extendedKeyUsage: opts.extendedKeyUsage } : {}),
  }, ca.key);
}

function openDevCa(ca: DevCa): { cert: X509Certificate; key: KeyObject; name: forge.pki.CertificateField[] } {
  // forge keeps each attribute's string type, so the issuer name is the CA's subject byte for byte; it
  // hands UTF8String values over as their UTF-8 bytes but encodes them from text, hence the decoding.
  const name = forge.pki.certificateFromPem(ca.caCertPem).subject.attributes.map((attribute) =>
    ((attribute.valueTagClass as unknown) === asn1.Type.UTF8 ? { ...attribute, value: forge.util.decodeUtf8(attribute.value as string) } : attribute));
  return { cert: new X509Certificate(ca.caCertPem), key: createPrivateKey(ca.caKeyPem), name };
}

/**
 * Issues an end-entity certificate (a new hub key for rotation, a TSA certificate) from an existing
 * development CA. Pure: writes nothing.
 */
export async function issueDevCertificate(ca: DevCa, opts: DevCertificateOptions): Promise<DevCertificate> {
  const pair = await newKeyPair(opts.alg === 'ES256' ? 'ec' : 'rsa');
  const cert = issueEndEntity(openDevCa(ca), pair.publicKey, opts);
  return { certPem: cert.toString(), keyPem: pkcs8Pem(pair.privateKey) };
}

/** Creates a self-signed development root CA (RSA-2048). Pure: writes nothing. */
export async function createDevCa(opts: Pick<DevPkiOptions, 'organisation' | 'now' | 'validDays'> & { commonName?: string } = {}): Promise<DevCa> {
  const ca = await newKeyPair('rsa');
  const name = names(opts.organisation ?? 'lienthong (development)', opts.commonName ?? 'lienthong development root CA');
  const cert = issueCertificate({
    ...validity(opts.now, opts.validDays), subject: name, issuer: name, authorityKeyId: spkiKeyId(ca.publicKey), publicKey: ca.publicKey, isCa: true,
  }, ca.privateKey);
  return { caCertPem: cert.toString(), caKeyPem: pkcs8Pem(ca.privateKey) };
}

/** Creates a development root CA and a hub signing certificate issued by it. Pure: writes nothing. */
export async function createDevPki(opts: DevPkiOptions): Promise<DevPki> {
  const organisation = opts.organisation ?? 'lienthong (development)';
  const period = { ...(opts.now ? { now: opts.now } : {}), ...(opts.validDays ? { validDays: opts.validDays } : {}) };
  const [ca, hub] = await Promise.all([createDevCa({ organisation, ...period }), newKeyPair(opts.alg === 'ES256' ? 'ec' : 'rsa')]);
  const hubCert = issueEndEntity(openDevCa(ca), hub.publicKey, { alg: opts.alg, commonName: opts.hubCommonName ?? 'lienthong hub', organisation, ...period });
  return {
    ...ca,
    hubCertPem: hubCert.toString(),
    hubKeyPem: pkcs8Pem(hub.privateKey),
    chainPem: hubCert.toString() + ca.caCertPem,
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
