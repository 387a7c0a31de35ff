import type { X509Certificate } from 'node:crypto';
import type { SignerSummary } from './xml-signature-result.js';

const oneLine = (dn: string): string => dn.split('\n').join(', ');

/** The audit-friendly identity of a certificate: names, serial, expiry and fingerprint. */
export function signerSummary(cert: X509Certificate): SignerSummary {
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    serial: cert.serialNumber,
    notAfter: new Date(cert.validTo).toISOString(),
    fingerprint256: cert.fingerprint256,
  };
}
