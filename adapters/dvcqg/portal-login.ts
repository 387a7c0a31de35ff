import type { CallBudget } from '../../src/adapters/call-budget.js';
import { asText } from '../../src/adapters/json-values.js';
import { clipReason } from '../../src/adapters/reason-text.js';
import { callPortal } from './portal-client.js';
import { classifyPortalCall, type AnswerRules } from './portal-verdict.js';
import type { ResolvedDvcqgSettings } from './settings.js';

/** A login: a new session, or why there is none (as the delivery's outcome would say it). */
export type LoginResult =
  | { kind: 'session'; session: string }
  | { kind: 'transient'; reason: string; httpStatus?: number; retryAfterMs?: number }
  | { kind: 'permanent'; reason: string; httpStatus?: number };

/**
 * `POST <base>/mapi/login {username, password}` → `{session, error_code}` (docs/domain-vn.md §4.1).
 * A refusal of the credentials — HTTP 401/403, or an answer with `error_code` ≠ 0 — is permanent
 * with HTTP status 401 (403 kept): the account must be fixed, retrying cannot help. A success
 * without a `session` string is a malformed answer: transient.
 */
export async function loginToPortal(settings: ResolvedDvcqgSettings, rules: AnswerRules, budget: CallBudget, now: () => Date): Promise<LoginResult> {
  const result = await callPortal(settings, 'login', { username: settings.username, password: settings.password }, budget, now);
  const verdict = classifyPortalCall(result, rules);
  switch (verdict.kind) {
    case 'ok': {
      const session = asText(verdict.answer.body.session);
      return session && session.trim() !== ''
        ? { kind: 'session', session }
        : { kind: 'transient', httpStatus: verdict.httpStatus, reason: 'login answered error_code 0 without a session' };
    }
    case 'session':
    case 'refused':
      return { kind: 'permanent', httpStatus: 401, reason: clipReason(`login refused (error_code ${verdict.answer.errorCode}): ${verdict.answer.message}`) };
    case 'transient':
      return verdict;
    case 'permanent':
      return verdict.httpStatus === 401 || verdict.httpStatus === 403
        ? { kind: 'permanent', httpStatus: verdict.httpStatus, reason: `login refused: ${verdict.reason}` }
        : verdict;
    default: {
      const unknown: never = verdict;
      throw new Error(`Unknown verdict ${JSON.stringify(unknown)}`);
    }
  }
}
