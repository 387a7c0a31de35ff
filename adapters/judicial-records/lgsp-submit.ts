import type { DeliveryOutcome } from '../../src/adapters/adapter-contract.js';
import type { DuplicateClassifier } from '../../src/adapters/duplicate-phrases.js';
import { failureOutcome } from '../../src/adapters/http-failure.js';
import { asText } from '../../src/adapters/json-values.js';
import { clipReason } from '../../src/adapters/reason-text.js';
import type { Dossier } from '../../src/domain/dossier.js';
import { fieldOf } from './field-of.js';
import { callLgsp, isLgspSuccess, type LgspCallContext, type LgspCallResult } from './lgsp-client.js';
import { buildRegistration } from './lgsp-registration.js';
import type { JudicialRecordPayload } from './payload.js';

/**
 * One `nhanHoSoDangKy` of the dossier's declaration form through the LGSP; `remoteId` = the LLTP's
 * encrypted `ID`. Always resolves with an outcome (README.md, "How answers are classified").
 */
export async function submitViaLgsp(dossier: Dossier, payload: JudicialRecordPayload, ctx: LgspCallContext, isDuplicate: DuplicateClassifier): Promise<DeliveryOutcome> {
  const registration = buildRegistration(dossier, payload, ctx.settings);
  if ('problem' in registration) return { kind: 'permanent', reason: registration.problem };
  const result = await callLgsp(ctx, 'nhanHoSoDangKy', registration.body);
  return registrationOutcome(result, ctx.settings, isDuplicate);
}

/**
 * Judges the answer: "already received" text → delivered (the system has it; a retry never makes a
 * second application); a success `STATUS` → delivered; an answer without `STATUS` or not JSON at all →
 * transient (nothing says it was refused, and a retry is safe because a duplicate is recognised);
 * any other `STATUS` → permanent, unless listed in `transientErrorCodes`.
 */
export function registrationOutcome(
  result: LgspCallResult,
  settings: { successStatuses: readonly string[]; transientErrorCodes: readonly string[] },
  isDuplicate: DuplicateClassifier,
): DeliveryOutcome {
  switch (result.kind) {
    case 'failed':
      return failureOutcome(result.verdict);
    case 'malformed':
      return { kind: 'transient', httpStatus: result.httpStatus, reason: `nhanHoSoDangKy answered HTTP ${result.httpStatus} with something other than a JSON object: ${result.excerpt}` };
    case 'answer': {
      const { httpStatus, status, description } = result;
      const id = asText(fieldOf(result.body, 'ID'));
      const remote = id ? { remoteId: id } : {};
      if (isDuplicate(description)) return { kind: 'delivered', httpStatus, ...remote, detail: clipReason(`already received: ${description ?? ''}`) };
      if (status === undefined) return { kind: 'transient', httpStatus, reason: 'nhanHoSoDangKy answered without a STATUS' };
      if (isLgspSuccess(status, settings.successStatuses)) {
        return id ? { kind: 'delivered', httpStatus, remoteId: id } : { kind: 'delivered', httpStatus, detail: 'the LLTP took the registration without an ID' };
      }
      const reason = clipReason(`the LLTP refused the registration: STATUS ${status}${description ? `: ${description}` : ''}`);
      return settings.transientErrorCodes.includes(status) ? { kind: 'transient', httpStatus, reason } : { kind: 'permanent', httpStatus, reason };
    }
    default: {
      const unknown: never = result;
      throw new Error(`Unknown LGSP call result ${JSON.stringify(unknown)}`);
    }
  }
}
