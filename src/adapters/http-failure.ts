import { OUTBOUND_REFUSED_CODE } from '../net/guarded-connector.js';
import type { DeliveryOutcome } from './adapter-contract.js';
import type { BoundedCallResult, NoAnswer, UnreadableAnswer } from './bounded-call.js';
import { clipReason } from './reason-text.js';

/** The judgement on a call that gave no usable answer: worth another attempt later, or not. */
export type FailureVerdict =
  | { kind: 'transient'; reason: string; httpStatus?: number; retryAfterMs?: number }
  | { kind: 'permanent'; reason: string; httpStatus?: number };

/** A call's result that {@link failureVerdict} judges: no answer, an unreadable one, or a non-2xx status. */
export type CallFailure = NoAnswer | UnreadableAnswer | Extract<BoundedCallResult, { kind: 'http-error' }>;

/** How the reasons of one adapter read. */
export interface FailureWording {
  /** The call's name, put before every reason (`nhanHoSoDangKy: timed out after 500 ms`). */
  call?: string;
  /** What an abort is called: `call aborted`, or `aborted` after a call's name, by default. */
  aborted?: string;
}

// Failures to send that retrying cannot fix: the request itself is malformed (a bad URL, a header
// value undici refuses), or the outbound guard refuses its address (private, loopback …: it will be
// refused again). Everything else from the network is worth another attempt.
const PERMANENT_NETWORK_CODES: ReadonlySet<string> = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_URL', 'ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_CHAR', OUTBOUND_REFUSED_CODE]);

/** Whether a network error `code` means the request cannot be sent as it is. */
export function isPermanentNetworkCode(code: string | undefined): boolean {
  return code !== undefined && PERMANENT_NETWORK_CODES.has(code);
}

/** HTTP 408, 429 and 5xx: the server may answer otherwise later. */
export function isTransientStatus(httpStatus: number): boolean {
  return httpStatus === 408 || httpStatus === 429 || (httpStatus >= 500 && httpStatus <= 599);
}

/**
 * The verdict on a non-2xx status: 408, 429 and 5xx transient (with `Retry-After` as
 * `retryAfterMs`), every other status permanent (3xx included: redirects are not followed). `said` is
 * what the answer said, quoted in the reason when not empty.
 */
export function httpErrorVerdict(httpStatus: number, said: string, retryAfterMs: number | undefined, wording: FailureWording = {}): FailureVerdict {
  const reason = clipReason(`${prefix(wording)}HTTP ${httpStatus}${said ? `: ${said}` : ''}`);
  if (isTransientStatus(httpStatus)) return { kind: 'transient', httpStatus, reason, ...(retryAfterMs !== undefined && { retryAfterMs }) };
  return { kind: 'permanent', httpStatus, reason };
}

/**
 * Judges a call that gave no usable answer: a non-2xx status as {@link httpErrorVerdict}; a 2xx too
 * large permanent (it will be as large next time), one that broke off or did not read transient (the
 * system may not have committed); timeouts, aborts and network failures transient, except requests
 * that cannot be sent as they are.
 */
export function failureVerdict(result: CallFailure, wording: FailureWording = {}): FailureVerdict {
  const before = prefix(wording);
  switch (result.kind) {
    case 'http-error':
      return httpErrorVerdict(result.httpStatus, result.text, result.retryAfterMs, wording);
    case 'unreadable':
      return { kind: result.tooLarge ? 'permanent' : 'transient', httpStatus: result.httpStatus, reason: clipReason(`${before}${result.reason}`) };
    case 'network-error':
      return { kind: isPermanentNetworkCode(result.code) ? 'permanent' : 'transient', reason: clipReason(`${before}${result.reason}`) };
    case 'timeout':
      return { kind: 'transient', reason: `${before}timed out after ${result.timeoutMs} ms` };
    case 'aborted':
      return { kind: 'transient', reason: clipReason(`${before}${wording.aborted ?? (wording.call === undefined ? 'call aborted' : 'aborted')}: ${result.reason}`) };
    default: {
      const unknown: never = result;
      throw new Error(`Unknown call result ${JSON.stringify(unknown)}`);
    }
  }
}

/** A failure verdict as the queue's outcome of a delivery attempt. */
export function failureOutcome(verdict: FailureVerdict): DeliveryOutcome {
  const status = verdict.httpStatus !== undefined ? { httpStatus: verdict.httpStatus } : {};
  if (verdict.kind === 'permanent') return { kind: 'permanent', reason: verdict.reason, ...status };
  return { kind: 'transient', reason: verdict.reason, ...status, ...(verdict.retryAfterMs !== undefined && { retryAfterMs: verdict.retryAfterMs }) };
}

function prefix(wording: FailureWording): string {
  return wording.call === undefined ? '' : `${wording.call}: `;
}
