import { duplicateClassifier, type DuplicateClassifier } from '../../src/adapters/duplicate-phrases.js';
import { failureVerdict, httpErrorVerdict } from '../../src/adapters/http-failure.js';
import { clipReason } from '../../src/adapters/reason-text.js';
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

/**
 * Classifies a data call (README.md, "How answers are classified"): `error_code` 0 is ok; a session
 * code or phrase asks for a new session; a code in `transientErrorCodes` is transient; other codes
 * are refusals the caller judges per service. HTTP 408, 429, 5xx, timeouts, aborts, network failures
 * and unreadable 2xx answers are transient; other HTTP statuses permanent (401/403 keep their status).
 */
export function classifyPortalCall(result: PortalCallResult, rules: AnswerRules): PortalVerdict {
  if (result.kind === 'answer') {
    const { answer, httpStatus } = result;
    if (isSuccessCode(answer.errorCode)) return { kind: 'ok', httpStatus, answer };
    return judgeRefusal(answer, httpStatus, rules);
  }
  if (result.kind === 'http-error') {
    const { httpStatus, answer } = result;
    if (answer && rules.isSession(answer)) return { kind: 'session', httpStatus, answer };
    return httpErrorVerdict(httpStatus, answer ? `error_code ${answer.errorCode}: ${answer.message}` : result.excerpt, result.retryAfterMs);
  }
  // Unreadable answers, timeouts, aborts and network failures (the shared judgement): a 2xx broken
  // off or not JSON may not have been committed by the portal — the next attempt looks it up first.
  return failureVerdict(result, { aborted: 'attempt aborted' });
}

function judgeRefusal(answer: PortalAnswer, httpStatus: number, rules: AnswerRules): PortalVerdict {
  if (rules.isSession(answer)) return { kind: 'session', httpStatus, answer };
  const reason = clipReason(`portal answered error_code ${answer.errorCode}: ${answer.message}`);
  if (rules.transientErrorCodes.has(answer.errorCode)) return { kind: 'transient', httpStatus, reason };
  return { kind: 'refused', httpStatus, answer, duplicate: rules.isDuplicate(answer.message), reason };
}
