import type { CertificateFacts } from './certificate-facts.js';
import { fetchBounded, type FetchLimits } from './fetch-bounded.js';
import { buildOcspRequest } from './ocsp-request.js';
import { readOcspResponse, type OcspStatus } from './read-ocsp-response.js';
import { createSingleFlight } from './single-flight.js';

/** An OCSP answer, or why none could be had. */
export type OcspOutcome = { ok: true; responder: string; answer: OcspStatus } | { ok: false; problem: string };

export interface OcspClientOptions {
  limits: FetchLimits;
  /** Longest an answer is reused, ms (answers are reused until their nextUpdate at most). */
  refreshMs: number;
  /** A failed exchange is not retried for this long, ms. */
  retryMs: number;
  now: () => Date;
  /** Sends one request; default: HTTP POST with `fetchBounded`. */
  post?: (url: string, body: Buffer) => Promise<Buffer>;
}

export interface OcspClient {
  /** The status of `cert` (issued by `issuer`) from the responder at `url`. */
  check(cert: CertificateFacts, issuer: CertificateFacts, url: string): Promise<OcspOutcome>;
}

/** Cached answers at most; each holds a certificate's status for minutes to days. */
const MAX_ENTRIES = 10_000;

/**
 * OCSP over HTTP POST (RFC 6960 appendix A), answers cached per responder and certificate until the
 * answer's nextUpdate (or `refreshMs`), failures for `retryMs`; one exchange per certificate in flight.
 */
export function createOcspClient(opts: OcspClientOptions): OcspClient {
  const post = opts.post ?? ((url: string, body: Buffer) => fetchBounded({ url, method: 'POST', body, contentType: 'application/ocsp-request' }, opts.limits));
  const cache = new Map<string, { outcome: OcspOutcome; until: number }>();
  const flights = createSingleFlight<OcspOutcome>();

  const exchange = async (cert: CertificateFacts, issuer: CertificateFacts, url: string): Promise<OcspOutcome> => {
    try {
      const request = buildOcspRequest(cert, issuer);
      const answer = readOcspResponse(await post(url, request.der), cert, issuer, request.nonceValue, opts.now());
      return { ok: true, responder: url, answer };
    } catch (err) {
      return { ok: false, problem: `OCSP ${url}: ${(err as Error).message}` };
    }
  };

  return {
    async check(cert, issuer, url) {
      const key = `${url} ${issuer.sha256} ${cert.serial}`;
      const hit = cache.get(key);
      if (hit && opts.now().getTime() < hit.until) return hit.outcome;
      return flights.run(key, async () => {
        const outcome = await exchange(cert, issuer, url);
        const now = opts.now().getTime();
        const until = outcome.ok ? Math.min(outcome.answer.nextUpdate?.getTime() ?? Infinity, now + opts.refreshMs) : now + opts.retryMs;
        if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
        cache.set(key, { outcome, until });
        return outcome;
      });
    },
  };
}
