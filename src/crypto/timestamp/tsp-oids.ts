/** Object identifiers of RFC 3161 time-stamping and the CMS structures around it. */
export const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha1: '1.3.14.3.2.26',
  /** CMS content type of a TimeStampToken (RFC 5652 §5). */
  signedData: '1.2.840.113549.1.7.2',
  /** id-ct-TSTInfo: the content a TSA signs (RFC 3161 §2.4.2). */
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  /** ESS SigningCertificate (RFC 2634 §5.4, SHA-1 certificate hash). */
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  /** ESS SigningCertificateV2 (RFC 5035, RFC 5816: any hash, SHA-256 by default). */
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  extendedKeyUsage: '2.5.29.37',
  /** id-kp-timeStamping (RFC 5280 §4.2.1.12). */
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
} as const;

/** Digest algorithms accepted in tokens, by OID, as node:crypto names them. SHA-1 only for ESS v1 certificate hashes. */
export const DIGEST_BY_OID: Readonly<Record<string, 'sha256' | 'sha384' | 'sha512'>> = {
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};
