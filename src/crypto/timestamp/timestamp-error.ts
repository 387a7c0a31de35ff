/**
 * Why a time-stamp could not be obtained. The caller (the audit checkpoint writer) logs the reason
 * and tries again later; none of them is worth an HTTP status.
 */
export type TimestampFailureReason =
  /** No complete answer within `timeoutMs`. */
  | 'timeout'
  /** The TSA could not be reached: refused, reset, DNS, TLS. */
  | 'network-error'
  /** The TSA answered with an HTTP status other than 200. */
  | 'http-error'
  /** The answer is larger than `maxResponseBytes`. */
  | 'too-large'
  /** Not a TimeStampResp (wrong content type, not DER, a granted status without a token, not a TSTInfo token). */
  | 'malformed'
  /** The TSA refused: PKIStatus rejection, waiting or a revocation status (RFC 3161 §2.4.2). */
  | 'rejected'
  /** The token time-stamps other data than asked for. */
  | 'imprint-mismatch'
  /** The token does not carry the request's nonce: a replayed or misrouted answer. */
  | 'nonce-mismatch'
  /** The CMS signature, its signed attributes or the ESS signing-certificate binding do not verify. */
  | 'bad-signature'
  /** The signer's certificate lacks the critical extendedKeyUsage id-kp-timeStamping (RFC 3161 §2.3). */
  | 'not-a-tsa-certificate'
  /** The signer's certificate does not chain to the given trust anchors, or was not valid at genTime. */
  | 'untrusted-tsa';

/** A time-stamp request that failed; `reason` says how. Messages never quote the data. */
export class TimestampError extends Error {
  override readonly name = 'TimestampError';

  constructor(readonly reason: TimestampFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
