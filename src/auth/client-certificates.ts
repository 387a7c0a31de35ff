import type { Logger } from 'pino';
import type { ConfiguredClientCertificate } from '../config/hub-config.js';
import { certificateError } from '../crypto/pki/certificate-error.js';
import { certificateFacts } from '../crypto/pki/certificate-facts.js';
import type { CertificateVerification } from '../crypto/pki/certificate-verification.js';
import type { CertificateVerifier } from '../crypto/pki/certificate-verifier.js';
import { createSingleFlight } from '../crypto/pki/single-flight.js';
import { hubError } from '../errors.js';
import { findCertificateMapping } from './certificate-agency-map.js';
import type { Principal } from './principal.js';
import type { PeerCertificates } from './tls-peer-certificates.js';

/** A sender authenticated by its client certificate, and the verification record that let it in. */
export interface CertificateSender {
  principal: Extract<Principal, { kind: 'agency' }>;
  verification: CertificateVerification;
}

export interface ClientCertificateResolver {
  /**
   * The agency a client certificate authenticates as. Throws the coded error of a failed verification
   * (401 HUB_ERR_CERT_*) or, for a valid certificate no mapping names, 403 HUB_ERR_CERT_UNMAPPED.
   */
  resolve(peer: PeerCertificates): Promise<CertificateSender>;
  /**
   * Puts the mappings of a new configuration revision into effect (the live config's `onChange`): a
   * certificate whose mapping went is refused from the next request, whatever the cache held.
   */
  useMappings(mappings: readonly ConfiguredClientCertificate[]): void;
}

export interface ClientCertificateResolverOptions {
  verifier: CertificateVerifier;
  mappings: readonly ConfiguredClientCertificate[];
  /** How long an answer (either way) is reused per certificate and chain, ms; 0: not cached. */
  cacheMs: number;
  log: Logger;
  now?: () => number;
}

type Answer = { ok: true; sender: CertificateSender } | { ok: false; error: () => Error };

/** Answers kept at most; beyond, the oldest goes. */
const MAX_CACHED = 10_000;
/** Characters of the fingerprint in the principal's key id (`cert:<prefix>`). */
const KEY_ID_HEX = 16;

/**
 * Client-certificate authentication: verify (purpose client-auth) → map to an agency → principal
 * `{ kind: 'agency', keyId: 'cert:<SHA-256 prefix>' }`. Each fresh verification is logged with its
 * record; answers are cached for `cacheMs` (so a revocation takes at most that long to bite) and
 * concurrent requests with the same certificate share one verification.
 */
export function createClientCertificateResolver(opts: ClientCertificateResolverOptions): ClientCertificateResolver {
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { answer: Answer; expires: number }>();
  const log = opts.log.child({ component: 'client-certificates' });
  const flights = createSingleFlight<Answer>();
  let mappings = opts.mappings;

  const answer = async (peer: PeerCertificates): Promise<Answer> => {
    const verification = await opts.verifier.verify(peer.leaf, { purpose: 'client-auth', extraCertificates: peer.chain });
    if (!verification.ok) {
      log.info({ certificate: verification }, 'client certificate refused');
      return { ok: false, error: () => certificateError(verification) };
    }
    const mapping = findCertificateMapping(mappings, certificateFacts(peer.leaf));
    if (!mapping) {
      log.info({ certificate: verification }, 'client certificate not mapped to an agency');
      return { ok: false, error: () => hubError('HUB_ERR_CERT_UNMAPPED', [`"${verification.subject}" (SHA-256 ${verification.sha256})`], { certificate: verification.sha256 }) };
    }
    log.info({ certificate: verification, mapping: mapping.id, agency: mapping.agency }, 'client certificate accepted');
    return { ok: true, sender: { principal: { kind: 'agency', keyId: `cert:${verification.sha256.slice(0, KEY_ID_HEX)}`, agency: mapping.agency }, verification } };
  };

  return {
    async resolve(peer) {
      const key = [peer.leaf, ...peer.chain].map((c) => certificateFacts(c).sha256).join(' ');
      const hit = cache.get(key);
      // Concurrent requests with the same certificate share one verification.
      const fresh = hit && hit.expires > now() ? hit.answer : await flights.run(key, () => answer(peer));
      if (fresh !== hit?.answer && opts.cacheMs > 0) {
        cache.delete(key);
        if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
        cache.set(key, { answer: fresh, expires: now() + opts.cacheMs });
      }
      if (!fresh.ok) throw fresh.error();
      return fresh.sender;
    },
    useMappings(next) {
      mappings = next;
      // Cached answers were given under the old mappings; one in flight maps after its verification, so under these.
      cache.clear();
    },
  };
}
