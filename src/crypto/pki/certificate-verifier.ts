import { createHash, type X509Certificate } from 'node:crypto';
import { buildCertificatePath } from './build-certificate-path.js';
import { certificateFacts, oneLineName, type CertificateFacts } from './certificate-facts.js';
import type { CertificateTrustStore } from './certificate-trust-store.js';
import type { CertificatePurpose, CertificateVerification, PathCertificate, RevocationPolicy } from './certificate-verification.js';
import { certificateUsageProblem } from './check-certificate-usage.js';
import { checkRevocation, type RevocationSources } from './check-revocation.js';
import { createCrlCache } from './crl-cache.js';
import { createOcspClient } from './ocsp-client.js';

/** How revocation is checked (LIENTHONG_REVOCATION, LIENTHONG_CRL_*, LIENTHONG_OCSP_*). */
export interface RevocationSettings {
  policy: RevocationPolicy;
  /** CRL files or http(s) URLs, each for whichever CA signed it. */
  crlSources: readonly string[];
  /** Also fetch the CRLs named in certificates' CRL distribution points. */
  crlFromCertificates: boolean;
  /** Ask this OCSP responder first, for every certificate. */
  ocspResponder?: string;
  /** Ask the OCSP responders named in certificates' authority information access. */
  ocspFromCertificates: boolean;
  /** Longest a CRL or OCSP answer is reused (each is reused until its nextUpdate at most), ms. */
  refreshMs: number;
  /** A source that failed is not tried again for this long, ms. */
  retryMs: number;
  /** Deadline of one CRL download or OCSP exchange, ms. */
  timeoutMs: number;
  /** Largest CRL accepted, bytes. */
  maxCrlBytes: number;
}

export interface CertificateVerifierOptions {
  store: CertificateTrustStore;
  revocation: RevocationSettings;
  /** The clock for revocation freshness and the default `at`. */
  now?: () => Date;
  /** Longest path, leaf and anchor included. Default 8. */
  maxPathLength?: number;
}

export interface VerifyCertificateOptions {
  purpose: CertificatePurpose;
  /** Certificates sent with the leaf (TLS chain, KeyInfo): intermediates, untrusted. */
  extraCertificates?: readonly X509Certificate[];
  /** When the certificate must be valid. Default: now. */
  at?: Date;
}

/** Verifies certificates against one trust store with one revocation setting; caches CRLs and OCSP answers. */
export interface CertificateVerifier {
  readonly store: CertificateTrustStore;
  verify(leaf: X509Certificate, opts: VerifyCertificateOptions): Promise<CertificateVerification>;
}

/** OCSP responses are small; anything bigger than this is not one. */
const MAX_OCSP_BYTES = 1 << 20;

const pathEntry = (f: CertificateFacts): PathCertificate => ({
  subject: f.subject, issuer: f.issuer, serial: f.serial, sha256: f.sha256, notBefore: f.notBefore.toISOString(), notAfter: f.notAfter.toISOString(),
});

/**
 * A certificate verifier: path to an anchor (signatures, CA flags, pathLen, validity of every
 * certificate at `at`), then the leaf's key usage for the purpose, then revocation of every certificate
 * below the anchor. Returns a serialisable record either way; `certificateError` turns a failure into
 * its coded error.
 */
export function createCertificateVerifier(opts: CertificateVerifierOptions): CertificateVerifier {
  const now = opts.now ?? (() => new Date());
  const settings = opts.revocation;
  const common = { refreshMs: settings.refreshMs, retryMs: settings.retryMs, now };
  const sources: RevocationSources = {
    policy: settings.policy,
    crls: createCrlCache({ ...common, sources: settings.crlSources, limits: { timeoutMs: settings.timeoutMs, maxBytes: settings.maxCrlBytes } }),
    crlFromCertificates: settings.crlFromCertificates,
    ...(settings.ocspResponder || settings.ocspFromCertificates
      ? {
          ocsp: {
            client: createOcspClient({ ...common, limits: { timeoutMs: settings.timeoutMs, maxBytes: MAX_OCSP_BYTES } }),
            ...(settings.ocspResponder ? { responder: settings.ocspResponder } : {}),
            fromCertificates: settings.ocspFromCertificates,
          },
        }
      : {}),
  };

  return {
    store: opts.store,
    async verify(leaf, verifyOpts) {
      const at = verifyOpts.at ?? now();
      const notChecked = { policy: settings.policy, evidence: [] };
      let facts: CertificateFacts;
      try {
        facts = certificateFacts(leaf);
      } catch (err) {
        const record = { purpose: verifyOpts.purpose, at: at.toISOString(), subject: oneLineName(leaf.subject), sha256: createHash('sha256').update(leaf.raw).digest('hex') };
        return { ...record, ok: false, failure: { kind: 'unknown-issuer', detail: `the certificate cannot be read: ${(err as Error).message}` }, path: [], revocation: notChecked };
      }
      const record = { purpose: verifyOpts.purpose, at: at.toISOString(), subject: facts.subject, sha256: facts.sha256 };

      // 1. a path to an anchor, every certificate valid at `at`
      const built = buildCertificatePath(leaf, { store: opts.store, extra: verifyOpts.extraCertificates ?? [], at, ...(opts.maxPathLength ? { maxLength: opts.maxPathLength } : {}) });
      const path = built.path.map(certificateFacts);
      if (!built.ok) return { ...record, ok: false, failure: { kind: built.kind, detail: built.detail }, path: path.map(pathEntry), revocation: notChecked };

      // 2. the leaf may be used for the purpose
      const usage = certificateUsageProblem(facts, verifyOpts.purpose);
      if (usage) return { ...record, ok: false, failure: { kind: 'wrong-usage', detail: usage }, path: path.map(pathEntry), revocation: notChecked };

      // 3. nothing on the path is revoked
      const revocation = await checkRevocation(path, sources, at);
      const recorded = { ...record, path: path.map(pathEntry), revocation: { policy: settings.policy, evidence: revocation.evidence } };
      return revocation.failure ? { ...recorded, ok: false, failure: revocation.failure } : { ...recorded, ok: true };
    },
  };
}
