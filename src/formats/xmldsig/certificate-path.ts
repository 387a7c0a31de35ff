import type { X509Certificate } from 'node:crypto';
import type { TrustStore } from './trust-store.js';

/** A signer certificate linked to a trust anchor, or why not. */
export type CertificatePathResult =
  | { ok: true; leaf: X509Certificate; path: X509Certificate[] }
  | { ok: false; reason: 'untrusted-signer' | 'certificate-not-valid'; detail: string };

const MAX_DEPTH = 8;
const oneLine = (dn: string): string => dn.split('\n').join(', ');

/** True when `issuer` is a CA whose key signed `cert`. */
const issuedBy = (cert: X509Certificate, issuer: X509Certificate): boolean => issuer.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

/**
 * The signer among the KeyInfo certificates: the first one that issued none of the others (a chain
 * sent leaf first, or in any order, yields its leaf).
 */
export function pickLeaf(certs: readonly X509Certificate[]): X509Certificate {
  return certs.find((cert) => !certs.some((other) => other !== cert && issuedBy(other, cert))) ?? certs[0]!;
}

function validAt(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
}

/**
 * Links `leaf` to a trust anchor through the other KeyInfo certificates (intermediates), checking each
 * signature and CA flag, then that every certificate on the path, anchor included, is valid at `now`.
 * No revocation check (CRL/OCSP) is made.
 */
export function buildCertificatePath(leaf: X509Certificate, others: readonly X509Certificate[], store: TrustStore, now: Date): CertificatePathResult {
  const path = [leaf];
  let pool = others.filter((cert) => cert !== leaf);
  for (let current = leaf; path.length <= MAX_DEPTH; ) {
    const anchor = store.anchors.find((a) => a.raw.equals(current.raw)) ?? store.anchors.find((a) => issuedBy(current, a));
    if (anchor) {
      if (!anchor.raw.equals(current.raw)) path.push(anchor);
      const stale = path.find((cert) => !validAt(cert, now));
      if (stale) return { ok: false, reason: 'certificate-not-valid', detail: `"${oneLine(stale.subject)}" is valid from ${stale.validFrom} to ${stale.validTo}, not at ${now.toISOString()}` };
      return { ok: true, leaf, path };
    }
    const issuer = pool.find((cert) => issuedBy(current, cert));
    if (!issuer) break;
    path.push(issuer);
    pool = pool.filter((cert) => cert !== issuer);
    current = issuer;
  }
  return { ok: false, reason: 'untrusted-signer', detail: `"${oneLine(leaf.subject)}" does not chain to a trust anchor` };
}
