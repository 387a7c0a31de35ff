import type { ConfiguredClientCertificate } from '../config/hub-config.js';
import type { CertificateFacts } from '../crypto/pki/certificate-facts.js';

/**
 * A DN in comparable form: Unicode NFC, RFC 4514 escapes undone (openssl writes `\,`, Node does not),
 * no spaces around `,` and `=`, attribute types upper case. Config writes `C=VN, O=…, CN=…`;
 * certificates' names are read the same way (`certificateFacts`).
 */
export function normaliseDn(dn: string): string {
  return dn.normalize('NFC').replace(/\\([,+"\\<>;=])/g, '$1').split(/\s*,\s*/).map((rdn) => {
    const eq = rdn.indexOf('=');
    return eq < 0 ? rdn.trim() : `${rdn.slice(0, eq).trim().toUpperCase()}=${rdn.slice(eq + 1).trim()}`;
  }).join(',');
}

/**
 * The first configured mapping that names this certificate: by SHA-256 fingerprint, or by subject and
 * issuer DN. Call it only for a certificate that verified against the trust store.
 */
export function findCertificateMapping(mappings: readonly ConfiguredClientCertificate[], cert: CertificateFacts): ConfiguredClientCertificate | undefined {
  const subject = normaliseDn(cert.subject);
  const issuer = normaliseDn(cert.issuer);
  return mappings.find((m) => (m.sha256 !== undefined
    ? m.sha256 === cert.sha256
    : m.subject !== undefined && m.issuer !== undefined && normaliseDn(m.subject) === subject && normaliseDn(m.issuer) === issuer));
}
