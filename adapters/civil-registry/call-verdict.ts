import type { CallResult } from './http-call.js';
import { parseRegistryAnswer, type RegistryAnswer } from './registry-answer.js';

/** The judgement on one call: a readable answer, worth another attempt later, or not worth repeating. */
export type CallVerdict =
  | { kind: 'answer'; httpStatus: number; answer: RegistryAnswer }
  | { kind: 'transient'; reason: string; httpStatus?: number; retryAfterMs?: number }
  | { kind: 'permanent'; reason: string; httpStatus?: number };

// Failures to send that retrying cannot fix: the request itself is malformed.
const PERMANENT_NETWORK_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_URL', 'ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_CHAR']);

/** Longest quote of an answer in a reason, in characters. */
export const REASON_CHARS = 240;

/**
 * Classifies a call (README.md, "How answers are classified"): a 2xx JSON object with a `status` is
 * an answer (judged by the operation); a 2xx that is not JSON or has no `status` is transient (a
 * proxy's page, an answer cut short — the system may have stored the request, and a repeat is
 * recognised as a duplicate); 408, 429 and 5xx, timeouts, aborts and network failures are
 * transient; other HTTP statuses (401 after a new token, 403, 400, 404 …) are permanent.
 */
export function classifyCall(result: CallResult): CallVerdict {
  switch (result.kind) {
    case 'answer': {
      const answer = parseRegistryAnswer(result.body);
      return answer
        ? { kind: 'answer', httpStatus: result.httpStatus, answer }
        : { kind: 'transient', httpStatus: result.httpStatus, reason: clip(`malformed answer (no status): ${JSON.stringify(result.body)}`) };
    }
    case 'http-error': {
      const { httpStatus } = result;
      const reason = clip(result.excerpt ? `HTTP ${httpStatus}: ${result.excerpt}` : `HTTP ${httpStatus}`);
      if (httpStatus === 408 || httpStatus === 429 || (httpStatus >= 500 && httpStatus <= 599)) {
        return { kind: 'transient', httpStatus, reason, ...(result.retryAfterMs !== undefined && { retryAfterMs: result.retryAfterMs }) };
      }
      return { kind: 'permanent', httpStatus, reason };
    }
    case 'unreadable':
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
      throw new Error(`Unknown call result ${JSON.stringify(unknown)}`);
    }
  }
}

/** One line, control characters and runs of spaces folded, at most {@link REASON_CHARS} characters. */
export function clip(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  return line.length > REASON_CHARS ? `${line.slice(0, REASON_CHARS)}…` : line;
}
