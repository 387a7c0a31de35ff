/** What a certificate is checked for: decides the key usage and extended key usage it must allow. */
export type CertificatePurpose = 'client-auth' | 'document-signing' | 'receipt-signing';

/** Why a certificate was refused; each maps to its own coded error (`certificateError`). */
export type CertificateFailureKind = 'unknown-issuer' | 'expired' | 'revoked' | 'wrong-usage' | 'revocation-unknown';

/** How much revocation checking is asked for (`LIENTHONG_REVOCATION`). */
export type RevocationPolicy = 'off' | 'prefer' | 'require';

/** One certificate of a path, leaf first, anchor last. */
export interface PathCertificate {
  subject: string;
  issuer: string;
  serial: string;
  /** SHA-256 of the DER, lowercase hex. */
  sha256: string;
  notBefore: string;
  notAfter: string;
}

/** CRL reason codes (RFC 5280 §5.3.1) as names; absent reason = unspecified. */
export type RevocationReason =
  | 'unspecified' | 'keyCompromise' | 'cACompromise' | 'affiliationChanged' | 'superseded'
  | 'cessationOfOperation' | 'certificateHold' | 'removeFromCRL' | 'privilegeWithdrawn' | 'aACompromise';

/** When and why a certificate was revoked. */
export interface Revocation {
  revokedAt: string;
  reason: RevocationReason;
}

/** The answer a CRL gave for one certificate. */
export interface CrlEvidence {
  /** SHA-256 of the certificate checked. */
  certificate: string;
  method: 'crl';
  status: 'good' | 'revoked';
  /** The file or URL the CRL came from. */
  source: string;
  /** cRLNumber, decimal. */
  crlNumber?: string;
  thisUpdate: string;
  nextUpdate?: string;
  /** True when the CRL was past its nextUpdate and no fresher one could be had (policy `prefer` only). */
  stale: boolean;
  revocation?: Revocation;
}

/** The answer an OCSP responder gave for one certificate. */
export interface OcspEvidence {
  certificate: string;
  method: 'ocsp';
  status: 'good' | 'revoked';
  responder: string;
  /** Subject of the certificate that signed the response (the CA or its delegated responder). */
  responderSubject: string;
  producedAt: string;
  thisUpdate: string;
  nextUpdate?: string;
  /** True when the response echoed the request's nonce (false: a pre-produced or cached response). */
  nonce: boolean;
  revocation?: Revocation;
}

/** No CRL or OCSP answer could be had for one certificate, and why. */
export interface NoRevocationEvidence {
  certificate: string;
  method: 'none';
  status: 'unknown';
  reasons: string[];
}

export type RevocationEvidence = CrlEvidence | OcspEvidence | NoRevocationEvidence;

/** Fields every verification record carries. */
interface VerificationCommon {
  purpose: CertificatePurpose;
  /** The time the certificate was checked for (validity, revocation). */
  at: string;
  /** The certificate verified: its subject and SHA-256. */
  subject: string;
  sha256: string;
  /** The path found (leaf → anchor); on `unknown-issuer`, as far as it got. */
  path: PathCertificate[];
  revocation: { policy: RevocationPolicy; evidence: RevocationEvidence[] };
}

/**
 * The result of one certificate verification: plain JSON, meant to be stored with whatever the
 * certificate was used for (a request's authentication, a signature's verdict).
 */
export type CertificateVerification =
  | (VerificationCommon & { ok: true })
  | (VerificationCommon & { ok: false; failure: { kind: CertificateFailureKind; detail: string } });
