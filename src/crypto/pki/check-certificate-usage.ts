import type { CertificateFacts, KeyUsageBit } from './certificate-facts.js';
import type { CertificatePurpose } from './certificate-verification.js';

/** Extended key usage OIDs the rules below name. */
export const EKU = {
  any: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  documentSigning: '1.3.6.1.5.5.7.3.36',
  microsoftDocumentSigning: '1.3.6.1.4.1.311.10.3.12',
  adobeAuthenticDocuments: '1.2.840.113583.1.1.5',
} as const;

interface UsageRule {
  /** keyUsage, when present, must have one of these bits. */
  keyUsage: readonly KeyUsageBit[];
  /** extKeyUsage, when present, must list one of these (anyExtendedKeyUsage always counts). */
  extendedKeyUsage: readonly string[];
}

/**
 * What each purpose needs of the leaf. Signing certificates issued by Vietnamese CAs for people and
 * agencies (USB tokens, remote signing) typically carry extKeyUsage clientAuth + emailProtection and
 * no document-signing OID; so document and receipt signing accept those, the document-signing OIDs
 * (RFC 9336, Microsoft, Adobe) and no extKeyUsage at all, and refuse a certificate restricted to TLS
 * servers, code signing, time-stamping or OCSP signing.
 */
const RULES: Record<CertificatePurpose, UsageRule> = {
  'client-auth': { keyUsage: ['digitalSignature'], extendedKeyUsage: [EKU.clientAuth] },
  'document-signing': {
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    extendedKeyUsage: [EKU.documentSigning, EKU.emailProtection, EKU.clientAuth, EKU.microsoftDocumentSigning, EKU.adobeAuthenticDocuments],
  },
  'receipt-signing': {
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    extendedKeyUsage: [EKU.documentSigning, EKU.emailProtection, EKU.clientAuth],
  },
};

/**
 * Why the leaf may not be used for `purpose`, or undefined when it may. A CA certificate is never
 * accepted as a leaf.
 */
export function certificateUsageProblem(leaf: CertificateFacts, purpose: CertificatePurpose): string | undefined {
  const rule = RULES[purpose];
  if (leaf.basicConstraints?.ca) return `${purpose}: "${leaf.subject}" is a CA certificate`;
  if (leaf.keyUsage && !rule.keyUsage.some((bit) => leaf.keyUsage!.has(bit))) {
    return `${purpose}: keyUsage ${[...leaf.keyUsage].join(', ') || '(none)'} lacks ${rule.keyUsage.join(' or ')}`;
  }
  const eku = leaf.extendedKeyUsage;
  if (eku && !eku.includes(EKU.any) && !rule.extendedKeyUsage.some((oid) => eku.includes(oid))) {
    return `${purpose}: extKeyUsage ${eku.join(', ') || '(none)'} allows none of ${rule.extendedKeyUsage.join(', ')}`;
  }
  return undefined;
}
