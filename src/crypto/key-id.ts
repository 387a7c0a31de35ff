import { createHash, type X509Certificate } from 'node:crypto';

/**
 * The `kid` of a hub key: the base64url SHA-256 of its certificate's DER, i.e. the JWS `x5t#S256`
 * thumbprint (RFC 7515 §4.1.8). Stable for the certificate's life, and anyone holding the certificate
 * can compute it: `openssl x509 -in leaf.pem -outform DER | openssl dgst -sha256 -binary | basenc --base64url | tr -d =`.
 * (RFC 7638 thumbprints are of JWK public keys: a renewed certificate for the same key would keep one, this changes.)
 */
export function keyIdOf(certificate: X509Certificate): string {
  return createHash('sha256').update(certificate.raw).digest('base64url');
}
