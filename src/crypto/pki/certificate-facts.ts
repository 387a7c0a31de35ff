import { createHash, type X509Certificate } from 'node:crypto';
import type * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** RFC 5280 §4.2.1.3 key usage bits, in bit-string order. */
export const KEY_USAGE_BITS = [
  'digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement',
  'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly',
] as const;

export type KeyUsageBit = (typeof KEY_USAGE_BITS)[number];

/** What the verifier needs to know about one certificate, read once from its DER. */
export interface CertificateFacts {
  cert: X509Certificate;
  /** SHA-256 of the DER, lowercase hex. */
  sha256: string;
  /** Serial number, lowercase hex without leading zeros. */
  serial: string;
  /** Subject and issuer as one line (`C=VN, O=…, CN=…`). */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** DER of the subject Name (CRL issuer match, OCSP issuerNameHash). */
  subjectDer: Buffer;
  /** The subjectPublicKey BIT STRING contents (OCSP issuerKeyHash). */
  publicKeyBits: Buffer;
  /** Absent when the certificate has no keyUsage extension. */
  keyUsage?: ReadonlySet<KeyUsageBit>;
  /** Extended key usage OIDs; absent when the certificate has no extKeyUsage extension. */
  extendedKeyUsage?: readonly string[];
  /** Absent when the certificate has no basicConstraints extension (then it is not a CA). */
  basicConstraints?: { ca: boolean; pathLen?: number };
  /** http(s) URIs of its CRL distribution points. */
  crlUrls: readonly string[];
  /** http(s) URIs of its OCSP responders (authority information access). */
  ocspUrls: readonly string[];
}

const OCSP_ACCESS_METHOD = '1.3.6.1.5.5.7.48.1';
const URI_NAME = 6;
const known = new WeakMap<X509Certificate, CertificateFacts>();

/** One line from Node's multi-line distinguished name. */
export const oneLineName = (dn: string): string => dn.split('\n').join(', ');

/** Lowercase hex without leading zeros, so serials from Node, pkijs and CRLs compare equal. */
export const normaliseSerial = (hex: string): string => hex.toLowerCase().replace(/^0+(?=.)/, '');

/** Serial hex → DER INTEGER contents (a leading zero octet when the high bit is set). */
export function serialOctets(serial: string): Buffer {
  const bytes = Buffer.from(serial.length % 2 ? `0${serial}` : serial, 'hex');
  return bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

const httpUris = (names: readonly pkijs.GeneralName[]): string[] =>
  names.filter((n) => n.type === URI_NAME && typeof n.value === 'string' && /^https?:\/\//i.test(n.value)).map((n) => n.value as string);

function keyUsageOf(bits: asn1js.BitString): Set<KeyUsageBit> {
  const bytes = bits.valueBlock.valueHexView;
  return new Set(KEY_USAGE_BITS.filter((_, i) => ((bytes[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0));
}

function crlUrlsOf(value: pkijs.CRLDistributionPoints): string[] {
  return value.distributionPoints.flatMap((point) => (Array.isArray(point.distributionPoint) ? httpUris(point.distributionPoint) : []));
}

function ocspUrlsOf(value: pkijs.InfoAccess): string[] {
  return httpUris(value.accessDescriptions.filter((d) => d.accessMethod === OCSP_ACCESS_METHOD).map((d) => d.accessLocation));
}

function pathLenOf(value: pkijs.BasicConstraints): number | undefined {
  const raw = value.pathLenConstraint as number | asn1js.Integer | undefined;
  if (raw === undefined) return undefined;
  return typeof raw === 'number' ? raw : raw.valueBlock.valueDec;
}

/**
 * Reads (once per certificate object) the facts the verifier uses; pkijs parses the extensions.
 * Throws when a certificate Node accepted has an extension pkijs cannot decode.
 */
export function certificateFacts(cert: X509Certificate): CertificateFacts {
  const cached = known.get(cert);
  if (cached) return cached;
  const parsed = pkijs.Certificate.fromBER(cert.raw);
  const facts: CertificateFacts = {
    cert,
    sha256: createHash('sha256').update(cert.raw).digest('hex'),
    serial: normaliseSerial(cert.serialNumber),
    subject: oneLineName(cert.subject),
    issuer: oneLineName(cert.issuer),
    notBefore: parsed.notBefore.value,
    notAfter: parsed.notAfter.value,
    subjectDer: Buffer.from(parsed.subject.valueBeforeDecode),
    publicKeyBits: Buffer.from(parsed.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView),
    crlUrls: [],
    ocspUrls: [],
  };
  for (const extension of parsed.extensions ?? []) {
    const value: unknown = extension.parsedValue;
    switch (extension.extnID) {
      case pkijs.id_KeyUsage: facts.keyUsage = keyUsageOf(value as asn1js.BitString); break;
      case pkijs.id_ExtKeyUsage: facts.extendedKeyUsage = (value as pkijs.ExtKeyUsage).keyPurposes; break;
      case pkijs.id_BasicConstraints: {
        const pathLen = pathLenOf(value as pkijs.BasicConstraints);
        facts.basicConstraints = { ca: (value as pkijs.BasicConstraints).cA, ...(pathLen !== undefined ? { pathLen } : {}) };
        break;
      }
      case pkijs.id_CRLDistributionPoints: facts.crlUrls = crlUrlsOf(value as pkijs.CRLDistributionPoints); break;
      case pkijs.id_AuthorityInfoAccess: facts.ocspUrls = ocspUrlsOf(value as pkijs.InfoAccess); break;
      default: break;
    }
  }
  known.set(cert, facts);
  return facts;
}
