import { failureVerdict, httpErrorVerdict } from '../../src/adapters/http-failure.js';
import type { JsonCallResult } from '../../src/adapters/json-call.js';
import { clipReason } from '../../src/adapters/reason-text.js';
import type { AxisAnswer } from './axis-answer.js';
import { isSuccessAnswer } from './axis-answer.js';
import type { VdxpOperation } from './operations.js';

/**
 * What one call to the axis came to, before any judgement: a 2xx with a readable JSON answer (which
 * may still say `FAIL`), another HTTP status (with its `answer` when its body was an axis answer
 * too), a 2xx that is not an axis answer, broke off or exceeds `maxResponseBytes`, or no answer.
 */
export type AxisCallResult = JsonCallResult<AxisAnswer>;

/** The judgement on one call: usable, worth another attempt later, or not worth repeating. */
export type AxisVerdict =
  | { kind: 'ok'; httpStatus: number; answer: AxisAnswer }
  | { kind: 'transient'; reason: string; httpStatus?: number; retryAfterMs?: number }
  | { kind: 'permanent'; reason: string; httpStatus?: number; errorCode?: string };

/**
 * Classifies a call (the table in README.md): success answers are ok; HTTP 408, 429 and 5xx,
 * timeouts, aborts, network failures and unreadable 2xx answers are transient; other HTTP statuses
 * and `FAIL` answers are permanent, except `FAIL` answers whose `ErrorCode` the endpoint lists as
 * transient.
 */
export function classifyAxisCall(result: AxisCallResult, transientErrorCodes: readonly string[]): AxisVerdict {
  if (result.kind === 'answer') {
    const { answer, httpStatus } = result;
    if (isSuccessAnswer(answer)) return { kind: 'ok', httpStatus, answer };
    const reason = clipReason(`axis answered ${answer.status} ErrorCode ${answer.errorCode}: ${answer.errorDesc}`);
    return transientErrorCodes.includes(answer.errorCode)
      ? { kind: 'transient', httpStatus, reason }
      : { kind: 'permanent', httpStatus, errorCode: answer.errorCode, reason };
  }
  if (result.kind === 'http-error') {
    const { answer } = result;
    const verdict = httpErrorVerdict(result.httpStatus, answer ? `${answer.errorCode} ${answer.errorDesc}` : result.excerpt, result.retryAfterMs);
    return verdict.kind === 'permanent' && answer ? { ...verdict, errorCode: answer.errorCode } : verdict;
  }
  // Unreadable answers, timeouts, aborts and network failures (the shared judgement).
  return failureVerdict(result);
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
