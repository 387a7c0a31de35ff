import type { X509Certificate } from 'node:crypto';
import type { XmlSignatureAlgorithm } from './signature-methods.js';

/** Who signed, for logs and the audit trail: never the certificate itself. */
export interface SignerSummary {
  /** Subject DN on one line (`C=VN, O=…, CN=…`). */
  subject: string;
  issuer: string;
  /** Serial number, upper-case hex as node:crypto prints it. */
  serial: string;
  /** ISO 8601. */
  notAfter: string;
  /** SHA-256 of the DER, colon-separated hex (as `openssl x509 -fingerprint -sha256`). */
  fingerprint256: string;
}

/** Why a signature that could be checked is wrong. */
export type InvalidSignatureReason =
  | 'malformed-xml'
  | 'doctype'
  | 'multiple-signatures'
  | 'unexpected-structure'
  | 'unexpected-references'
  | 'reference-not-document'
  | 'duplicate-id'
  | 'unexpected-transforms'
  | 'untrusted-signer'
  | 'certificate-not-valid'
  /** The signer's certificate (or a CA above it) is revoked, per a CRL or an OCSP answer. */
  | 'certificate-revoked'
  /** Revocation is required (LIENTHONG_REVOCATION=require) and no CRL or OCSP answer could be had. */
  | 'revocation-unknown'
  | 'key-mismatch'
  | 'digest-mismatch'
  | 'signature-mismatch';

/** Why a signature was found but cannot be checked at all. */
export type UnverifiableSignatureReason =
  /** `Signature` outside the xmldsig namespace: the deployed VNPT builder (domain-vn.md §1.4). */
  | 'vendor-namespace'
  /** The vendor's hard-coded SignatureValue/DigestValue, or a stub certificate. */
  | 'placeholder'
  /** rsa-sha1, SHA-1 digests, c14n with comments, the vendor's invalid transform URI, … */
  | 'unsupported-algorithm'
  /** No X509Certificate in KeyInfo: nothing to identify the signer by. */
  | 'no-certificate'
  /** The packet is larger than the hub keeps in memory to verify (LIENTHONG_XML_VERIFY_MAX_BYTES). */
  | 'too-large';

/** The verdict on a document's XML signature. */
export type XmlSignatureResult =
  | { status: 'absent' }
  /** `certificates`: the signer's, then the other KeyInfo ones, for a revocation check; never recorded. */
  | { status: 'valid'; signer: SignerSummary; algorithm: XmlSignatureAlgorithm; certificates?: readonly X509Certificate[] }
  | { status: 'invalid'; reason: InvalidSignatureReason; detail: string }
  | { status: 'unverifiable'; reason: UnverifiableSignatureReason; detail: string };
