import type { X509Certificate } from 'node:crypto';
import { buildCertificatePath as buildPathToAnchor } from '../../crypto/pki/build-certificate-path.js';
import { certificateFacts } from '../../crypto/pki/certificate-facts.js';
import { certificateUsageProblem } from '../../crypto/pki/check-certificate-usage.js';
import type { TrustStore } from './trust-store.js';

/** A signer certificate linked to a trust anchor, or why not. */
export type CertificatePathResult =
  | { ok: true; leaf: X509Certificate; path: X509Certificate[] }
  | { ok: false; reason: 'untrusted-signer' | 'certificate-not-valid'; detail: string };

/** True when `issuer` is a CA whose key signed `cert`. */
const issuedBy = (cert: X509Certificate, issuer: X509Certificate): boolean => issuer.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

/**
 * The signer among the KeyInfo certificates: the first one that issued none of the others (a chain
 * sent leaf first, or in any order, yields its leaf).
 */
export function pickLeaf(certs: readonly X509Certificate[]): X509Certificate {
  return certs.find((cert) => !certs.some((other) => other !== cert && issuedBy(other, cert))) ?? certs[0]!;
}

/**
 * Links `leaf` to a trust anchor through the other KeyInfo certificates (intermediates) with the
 * hub's certificate path builder (`src/crypto/pki`): signatures, CA flags, keyCertSign, pathLen, every
 * certificate valid at `now`; then the leaf's key usage must allow document signing. No revocation
 * check is made here (it needs the network: see `CertificateVerifier`).
 */
export function buildCertificatePath(leaf: X509Certificate, others: readonly X509Certificate[], store: TrustStore, now: Date): CertificatePathResult {
  const built = buildPathToAnchor(leaf, { store: { anchors: store.anchors, intermediates: [] }, extra: others, at: now });
  if (!built.ok) return { ok: false, reason: built.kind === 'expired' ? 'certificate-not-valid' : 'untrusted-signer', detail: built.detail };
  const usage = certificateUsageProblem(certificateFacts(leaf), 'document-signing');
  if (usage) return { ok: false, reason: 'untrusted-signer', detail: usage };
  return { ok: true, leaf, path: built.path };
}
