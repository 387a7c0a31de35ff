import type { DeliveryOutcome } from '../../src/adapters/adapter-contract.js';
import type { DuplicateClassifier } from '../../src/adapters/duplicate-phrases.js';
import { failureOutcome } from '../../src/adapters/http-failure.js';
import { clipReason } from '../../src/adapters/reason-text.js';
import type { CallVerdict } from './call-verdict.js';
import { AUTH_ERROR_CODE, errorCodeLabel } from './error-codes.js';
import { answerText } from './registry-answer.js';

export interface SubmissionJudgement {
  isDuplicate: DuplicateClassifier;
  transientErrorCodes: readonly string[];
  remoteId: string;
}

/**
 * What a `NhanDKHT` / `dangKyHoTich` call came to (README.md, "How answers are classified"):
 * `status` 1 → delivered; a refusal whose text says "already received" → delivered (neither
 * generation has a code for it, §5.2); `errorCode` 100 after a new token → permanent 401; a code the
 * endpoint lists as transient → transient; any other refusal → permanent, with code and text.
 */
export function submissionOutcome(verdict: CallVerdict, judgement: SubmissionJudgement): DeliveryOutcome {
  if (verdict.kind !== 'answer') return failureOutcome(verdict);

  const { answer, httpStatus } = verdict;
  const text = answerText(answer);
  if (answer.status === '1') return { kind: 'delivered', remoteId: judgement.remoteId, httpStatus };
  if (judgement.isDuplicate(text)) return { kind: 'delivered', remoteId: judgement.remoteId, httpStatus, detail: clipReason(`already received: ${text}`) };
  const reason = clipReason(`refused (status ${answer.status}${answer.errorCode ? `, errorCode ${errorCodeLabel(answer.errorCode)}` : ''}): ${text || 'no description'}`);
  if (answer.errorCode === AUTH_ERROR_CODE) return { kind: 'permanent', httpStatus: 401, reason };
  if (answer.errorCode !== '' && judgement.transientErrorCodes.includes(answer.errorCode)) return { kind: 'transient', httpStatus, reason };
  return { kind: 'permanent', httpStatus, reason };
}
