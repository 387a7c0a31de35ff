import { failureVerdict, httpErrorVerdict, type FailureVerdict } from '../../src/adapters/http-failure.js';
import { clipReason } from '../../src/adapters/reason-text.js';
import type { CallResult } from './http-call.js';
import { parseRegistryAnswer, type RegistryAnswer } from './registry-answer.js';

/** The judgement on one call: a readable answer, worth another attempt later, or not worth repeating. */
export type CallVerdict = { kind: 'answer'; httpStatus: number; answer: RegistryAnswer } | FailureVerdict;

/**
 * Classifies a call (README.md, "How answers are classified"): a 2xx JSON object with a `status` is
 * an answer (judged by the operation); a 2xx that is not JSON or has no `status` is transient (a
 * proxy's page, an answer cut short — the system may have stored the request, and a repeat is
 * recognised as a duplicate); 408, 429 and 5xx, timeouts, aborts and network failures are
 * transient; other HTTP statuses (401 after a new token, 403, 400, 404 …) are permanent.
 */
export function classifyCall(result: CallResult): CallVerdict {
  if (result.kind === 'answer') {
    const answer = parseRegistryAnswer(result.body);
    return answer
      ? { kind: 'answer', httpStatus: result.httpStatus, answer }
      : { kind: 'transient', httpStatus: result.httpStatus, reason: clipReason(`malformed answer (no status): ${JSON.stringify(result.body)}`) };
  }
  if (result.kind === 'http-error') return httpErrorVerdict(result.httpStatus, result.excerpt, result.retryAfterMs);
  // Unreadable answers, timeouts, aborts and network failures (the shared judgement).
  return failureVerdict(result);
}
