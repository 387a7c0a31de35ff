import type { AxisAnswer } from './axis-answer.js';
import { isSuccessAnswer } from './axis-answer.js';
import type { VdxpOperation } from './operations.js';

/** What one call to the axis came to, before any judgement. */
export type AxisCallResult =
  /** A 2xx with a readable JSON answer (which may still say `FAIL`). */
  | { kind: 'answer'; httpStatus: number; answer: AxisAnswer }
  /** Any other HTTP status; `answer` when its body was an axis answer too. */
  | { kind: 'http-error'; httpStatus: number; excerpt: string; answer?: AxisAnswer; retryAfterMs?: number }
  /** A 2xx whose body is not an axis answer, broke off, or exceeds `maxResponseBytes`. */
  | { kind: 'unreadable'; httpStatus: number; reason: string; tooLarge: boolean }
  /** No answer: refused, reset, DNS, TLS, an invalid request … (`code` from Node or undici). */
  | { kind: 'network-error'; code?: string; reason: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'aborted'; reason: string };

/** The judgement on one call: usable, worth another attempt later, or not worth repeating. */
export type AxisVerdict =
  | { kind: 'ok'; httpStatus: number; answer: AxisAnswer }
  | { kind: 'transient'; reason: string; httpStatus?: number; retryAfterMs?: number }
  | { kind: 'permanent'; reason: string; httpStatus?: number; errorCode?: string };

// Failures to send that retrying cannot fix: the request itself is malformed (bad endpoint URL,
// a header value undici refuses).
const PERMANENT_NETWORK_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_URL', 'ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_CHAR']);

/** Longest quote of an answer in a reason, in characters. */
export const REASON_CHARS = 200;

/**
 * Classifies a call (the table in README.md): success answers are ok; HTTP 408, 429 and 5xx,
 * timeouts, aborts, network failures and unreadable 2xx answers are transient; other HTTP statuses
 * and `FAIL` answers are permanent, except `FAIL` answers whose `ErrorCode` the endpoint lists as
 * transient.
 */
export function classifyAxisCall(result: AxisCallResult, transientErrorCodes: readonly string[]): AxisVerdict {
  switch (result.kind) {
    case 'answer': {
      const { answer, httpStatus } = result;
      if (isSuccessAnswer(answer)) return { kind: 'ok', httpStatus, answer };
      const reason = clip(`axis answered ${answer.status} ErrorCode ${answer.errorCode}: ${answer.errorDesc}`);
      return transientErrorCodes.includes(answer.errorCode)
        ? { kind: 'transient', httpStatus, reason }
        : { kind: 'permanent', httpStatus, errorCode: answer.errorCode, reason };
    }
    case 'http-error': {
      const { httpStatus } = result;
      const said = result.answer ? `${result.answer.errorCode} ${result.answer.errorDesc}` : result.excerpt;
      const reason = clip(said ? `HTTP ${httpStatus}: ${said}` : `HTTP ${httpStatus}`);
      if (httpStatus === 408 || httpStatus === 429 || (httpStatus >= 500 && httpStatus <= 599)) {
        return { kind: 'transient', httpStatus, reason, ...(result.retryAfterMs !== undefined && { retryAfterMs: result.retryAfterMs }) };
      }
      return { kind: 'permanent', httpStatus, reason, ...(result.answer && { errorCode: result.answer.errorCode }) };
    }
    case 'unreadable':
      // An answer too large will be as large next time; one that broke off or is not JSON (a proxy's
      // page) may not have been committed by the axis: try again.
      return result.tooLarge
        ? { kind: 'permanent', httpStatus: result.httpStatus, reason: clip(result.reason) }
        : { kind: 'transient', httpStatus: result.httpStatus, reason: clip(result.reason) };
    case 'network-error':
      return result.code !== undefined && PERMANENT_NETWORK_CODES.has(result.code)
        ? { kind: 'permanent', reason: clip(result.reason) }
        : { kind: 'transient', reason: clip(result.reason) };
    case 'timeout':
      return { kind: 'transient', reason: `timed out after ${result.timeoutMs} ms` };
    case 'aborted':
      return { kind: 'transient', reason: clip(`call aborted: ${result.reason}`) };
    default: {
      const unknown: never = result;
      throw new Error(`Unknown axis call result ${JSON.stringify(unknown)}`);
    }
  }
}

/** A call that did not succeed, thrown by the operations other than delivery. */
export class VdxpCallError extends Error {
  readonly code = 'VDXP_CALL_FAILED';
  constructor(
    readonly operation: VdxpOperation,
    readonly verdict: Exclude<AxisVerdict, { kind: 'ok' }>,
  ) {
    super(`${operation} failed (${verdict.kind}): ${verdict.reason}`);
    this.name = 'VdxpCallError';
  }

  /** Whether trying again later may succeed. */
  get transient(): boolean {
    return this.verdict.kind === 'transient';
  }
}

function clip(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  return line.length > REASON_CHARS + 40 ? `${line.slice(0, REASON_CHARS + 40)}…` : line;
}
