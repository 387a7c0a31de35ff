import { duplicateClassifier, type DuplicateClassifier } from '../../src/adapters/duplicate-phrases.js';
import { foldName } from '../../src/directory/search-name.js';
import type { PortalCallResult } from './portal-client.js';
import { isSuccessCode, type PortalAnswer } from './portal-answer.js';
import type { ResolvedDvcqgSettings } from './settings.js';

/** The judgement on one call. */
export type PortalVerdict =
  | { kind: 'ok'; httpStatus: number; answer: PortalAnswer }
  /** The portal says the session is invalid or expired: log in again (once per attempt). */
  | { kind: 'session'; httpStatus: number; answer: PortalAnswer }
  /** A refusal in the portal's own terms (`error_code` ≠ 0); `duplicate` when its text says "already there". */
  | { kind: 'refused'; httpStatus: number; answer: PortalAnswer; duplicate: boolean; reason: string }
  | { kind: 'transient'; reason: string; httpStatus?: number; retryAfterMs?: number }
  | { kind: 'permanent'; reason: string; httpStatus?: number };

/** How one endpoint reads answers: its session, duplicate and transient codes and phrases. */
export interface AnswerRules {
  transientErrorCodes: ReadonlySet<string>;
  isSession(answer: PortalAnswer): boolean;
  isDuplicate: DuplicateClassifier;
}

export function answerRules(settings: ResolvedDvcqgSettings): AnswerRules {
  const sessionCodes = new Set(settings.sessionErrorCodes);
  const sessionPhrases = settings.sessionErrorPhrases.map((p) => foldName(p)).filter((p) => p.length > 0);
  return {
    transientErrorCodes: new Set(settings.transientErrorCodes),
    isSession: (answer) => {
      if (sessionCodes.has(answer.errorCode)) return true;
      const folded = ` ${foldName(answer.message)} `;
      return sessionPhrases.some((p) => folded.includes(` ${p} `));
    },
    isDuplicate: duplicateClassifier(settings),
  };
}

// Failures to send that retrying cannot fix: the request itself is malformed.
const PERMANENT_NETWORK_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_URL', 'ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_CHAR']);

/** Longest quote of an answer in a reason, in characters. */
const REASON_CHARS = 240;

/**
 * Classifies a data call (README.md, "How answers are classified"): `error_code` 0 is ok; a session
 * code or phrase asks for a new session; a code in `transientErrorCodes` is transient; other codes
 * are refusals the caller judges per service. HTTP 408, 429, 5xx, timeouts, aborts, network failures
 * and unreadable 2xx answers are transient; other HTTP statuses permanent (401/403 keep their status).
 */
export function classifyPortalCall(result: PortalCallResult, rules: AnswerRules): PortalVerdict {
  switch (result.kind) {
    case 'answer': {
      const { answer, httpStatus } = result;
      if (isSuccessCode(answer.errorCode)) return { kind: 'ok', httpStatus, answer };
      return judgeRefusal(answer, httpStatus, rules);
    }
    case 'http-error': {
      const { httpStatus } = result;
      if (result.answer && rules.isSession(result.answer)) return { kind: 'session', httpStatus, answer: result.answer };
      const said = result.answer ? `error_code ${result.answer.errorCode}: ${result.answer.message}` : result.excerpt;
      const reason = clip(said ? `HTTP ${httpStatus}: ${said}` : `HTTP ${httpStatus}`);
      if (httpStatus === 408 || httpStatus === 429 || (httpStatus >= 500 && httpStatus <= 599)) {
        return { kind: 'transient', httpStatus, reason, ...(result.retryAfterMs !== undefined && { retryAfterMs: result.retryAfterMs }) };
      }
      return { kind: 'permanent', httpStatus, reason };
    }
    case 'unreadable':
      // Too large will be as large next time; not JSON (a gateway's page) or broken off may not have
      // been committed by the portal: try again — the next attempt looks the dossier up first.
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
      return { kind: 'transient', reason: clip(`attempt aborted: ${result.reason}`) };
    default: {
      const unknown: never = result;
      throw new Error(`Unknown portal call result ${JSON.stringify(unknown)}`);
    }
  }
}

function judgeRefusal(answer: PortalAnswer, httpStatus: number, rules: AnswerRules): PortalVerdict {
  if (rules.isSession(answer)) return { kind: 'session', httpStatus, answer };
  const reason = clip(`portal answered error_code ${answer.errorCode}: ${answer.message}`);
  if (rules.transientErrorCodes.has(answer.errorCode)) return { kind: 'transient', httpStatus, reason };
  return { kind: 'refused', httpStatus, answer, duplicate: rules.isDuplicate(answer.message), reason };
}

/** One line, control characters and runs of spaces folded, at most {@link REASON_CHARS} characters. */
export function clip(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  return line.length > REASON_CHARS ? `${line.slice(0, REASON_CHARS)}…` : line;
}
