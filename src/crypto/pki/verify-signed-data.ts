import { verify, type KeyObject } from 'node:crypto';

/** Signature algorithms accepted on CRLs and OCSP responses → their digest (RSA PKCS#1 v1.5 and ECDSA). */
const DIGEST_OF: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1', // sha1WithRSAEncryption: still used by some OCSP responders
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

/**
 * True when `signature` over `signed` verifies with `key` under the algorithm `algorithmOid`
 * (node:crypto). An unknown algorithm (RSA-PSS included) or a malformed signature is false.
 */
export function verifySignedData(algorithmOid: string, signed: Uint8Array, signature: Uint8Array, key: KeyObject): boolean {
  const digest = DIGEST_OF[algorithmOid];
  if (!digest) return false;
  try {
    return verify(digest, signed, key, signature);
  } catch {
    return false;
  }
}
