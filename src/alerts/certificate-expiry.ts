import { readFile } from 'node:fs/promises';
import type { X509Certificate } from 'node:crypto';
import { certificatesFromPem } from '../crypto/hub-keys.js';

/** Where certificates the hub relies on come from: PEM in hand, or a PEM file read at each check (so a renewed file is seen). */
export interface CertificateSource {
  /** `hub-signing`, `tls`, `trust-anchors`, `trust-intermediates`, `xml-trust`, `tsa-ca`. */
  source: string;
  pem?: string;
  path?: string;
}

export interface WatchedCertificate {
  source: string;
  cert: X509Certificate;
}

/** A certificate within the warning window: when it ends and how many days are left (negative: expired). */
export interface ExpiringCertificate {
  source: string;
  subject: string;
  serial: string;
  fingerprintSha256: string;
  notAfter: Date;
  daysLeft: number;
}

const DAY_MS = 86_400_000;

/**
 * Reads every source's certificates; each certificate once (the hub's CA may also be a trust anchor),
 * under the first source that names it. A file that cannot be read is reported, not fatal: the
 * check goes on with the others.
 */
export async function readCertificateSources(sources: readonly CertificateSource[]): Promise<{ certificates: WatchedCertificate[]; problems: string[] }> {
  const certificates: WatchedCertificate[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const s of sources) {
    let pem = s.pem;
    try {
      if (pem === undefined && s.path !== undefined) pem = await readFile(s.path, 'utf8');
      for (const cert of certificatesFromPem(pem ?? '')) {
        if (seen.has(cert.fingerprint256)) continue;
        seen.add(cert.fingerprint256);
        certificates.push({ source: s.source, cert });
      }
    } catch (err) {
      problems.push(`${s.source}${s.path ? ` (${s.path})` : ''}: ${(err as Error).message}`);
    }
  }
  return { certificates, problems };
}

/** The certificates whose `notAfter` falls within `withinDays` of `now`, or before it. Pure. */
export function expiringCertificates(certificates: readonly WatchedCertificate[], now: Date, withinDays: number): ExpiringCertificate[] {
  const horizon = now.getTime() + withinDays * DAY_MS;
  return certificates.flatMap(({ source, cert }) => {
    const notAfter = new Date(cert.validTo);
    if (notAfter.getTime() > horizon) return [];
    return [{
      source, subject: cert.subject.split('\n').join(', '), serial: cert.serialNumber, fingerprintSha256: cert.fingerprint256,
      notAfter, daysLeft: (notAfter.getTime() - now.getTime()) / DAY_MS,
    }];
  });
}
