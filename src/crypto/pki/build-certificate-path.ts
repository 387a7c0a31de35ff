import type { X509Certificate } from 'node:crypto';
import { certificateFacts } from './certificate-facts.js';
import type { CertificateTrustStore } from './certificate-trust-store.js';

/** A path from the leaf to a trust anchor, or why none holds. */
export type CertificatePathOutcome =
  | { ok: true; path: X509Certificate[] }
  | { ok: false; kind: 'unknown-issuer' | 'expired'; detail: string; path: X509Certificate[] };

export interface BuildPathOptions {
  store: CertificateTrustStore;
  /** Certificates the peer sent with its leaf (untrusted, like the store's intermediates). */
  extra?: readonly X509Certificate[];
  /** Validity is checked at this time. */
  at: Date;
  /** Longest path, leaf and anchor included. Default 8. */
  maxLength?: number;
}

const readable = (cert: X509Certificate): boolean => {
  try {
    certificateFacts(cert);
    return true;
  } catch {
    return false;
  }
};

/** Complete paths tried before giving up: cross-certified meshes can have many. */
const MAX_CANDIDATES = 32;

/** True when `issuer`'s name and key identifiers match `cert`'s and its key verifies `cert`'s signature. */
export function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false; // a key or signature algorithm OpenSSL cannot use
  }
}

/** Every path from `path`'s last certificate up to an anchor, depth first, anchors before intermediates. */
function* candidatePaths(path: X509Certificate[], pool: readonly X509Certificate[], anchors: readonly X509Certificate[], maxLength: number): Generator<X509Certificate[]> {
  const current = path[path.length - 1]!;
  for (const anchor of anchors) if (!anchor.raw.equals(current.raw) && issuedBy(current, anchor)) yield [...path, anchor];
  if (path.length + 1 >= maxLength) return;
  for (const next of pool) {
    if (!path.includes(next) && issuedBy(current, next)) yield* candidatePaths([...path, next], pool, anchors, maxLength);
  }
}

/** RFC 5280 §6.1.4: every issuer on the path is a CA allowed to sign certificates, within its pathLen. */
function caProblem(path: readonly X509Certificate[]): string | undefined {
  for (let i = 1; i < path.length; i++) {
    const issuer = certificateFacts(path[i]!);
    if (!issuer.basicConstraints?.ca) return `"${issuer.subject}" is not a CA (basicConstraints cA is not set)`;
    if (issuer.keyUsage && !issuer.keyUsage.has('keyCertSign')) return `"${issuer.subject}" may not sign certificates (keyUsage lacks keyCertSign)`;
    const below = i - 1; // CA certificates between this issuer and the leaf
    if (issuer.basicConstraints.pathLen !== undefined && below > issuer.basicConstraints.pathLen) {
      return `"${issuer.subject}" allows ${issuer.basicConstraints.pathLen} CA certificate(s) below it (pathLenConstraint), the path has ${below}`;
    }
  }
  return undefined;
}

function validityProblem(path: readonly X509Certificate[], at: Date): string | undefined {
  for (const cert of path) {
    const facts = certificateFacts(cert);
    if (at < facts.notBefore) return `"${facts.subject}" is not valid before ${facts.notBefore.toISOString()} (checked at ${at.toISOString()})`;
    if (at > facts.notAfter) return `"${facts.subject}" expired at ${facts.notAfter.toISOString()} (checked at ${at.toISOString()})`;
  }
  return undefined;
}

/**
 * Links `leaf` to one of the store's anchors through the store's intermediates and the `extra`
 * certificates, checking at each step the issuer's name, key identifiers and signature, its CA flag,
 * keyCertSign and pathLen, and that every certificate (anchor included) is valid at `at`. The first
 * path that passes wins. A path that reaches an anchor but holds a certificate outside its validity
 * period gives `expired`; no path at all (or only paths through non-CAs) gives `unknown-issuer`.
 */
export function buildCertificatePath(leaf: X509Certificate, opts: BuildPathOptions): CertificatePathOutcome {
  const { store, at } = opts;
  const seen = new Set(store.anchors.map((a) => certificateFacts(a).sha256));
  const pool: X509Certificate[] = [];
  for (const cert of [...store.intermediates, ...(opts.extra ?? [])]) {
    if (!readable(cert)) continue; // an undecodable certificate a peer sent is no issuer
    const sha256 = certificateFacts(cert).sha256;
    if (!seen.has(sha256) && sha256 !== certificateFacts(leaf).sha256) pool.push(cert);
    seen.add(sha256);
  }
  let expired: { detail: string; path: X509Certificate[] } | undefined;
  let notCa: { detail: string; path: X509Certificate[] } | undefined;
  let tried = 0;
  for (const path of candidatePaths([leaf], pool, store.anchors, opts.maxLength ?? 8)) {
    const structural = caProblem(path);
    const stale = structural ? undefined : validityProblem(path, at);
    if (!structural && !stale) return { ok: true, path };
    if (structural) notCa ??= { detail: structural, path };
    else if (stale) expired ??= { detail: stale, path };
    if (++tried >= MAX_CANDIDATES) break;
  }
  if (expired) return { ok: false, kind: 'expired', ...expired };
  if (notCa) return { ok: false, kind: 'unknown-issuer', ...notCa };
  const subject = certificateFacts(leaf).subject;
  return { ok: false, kind: 'unknown-issuer', detail: `no path from "${subject}" (issuer "${certificateFacts(leaf).issuer}") to a trust anchor`, path: [leaf] };
}
