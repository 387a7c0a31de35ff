import type { DeliveryContext, DeliveryOutcome } from '../../src/adapters/adapter-contract.js';
import { attemptSettings } from '../../src/adapters/attempt-settings.js';
import { startBudget } from '../../src/adapters/call-budget.js';
import { duplicateClassifier } from '../../src/adapters/duplicate-phrases.js';
import { readDossier } from '../../src/adapters/read-dossier.js';
import type { Dossier } from '../../src/domain/dossier.js';
import type { Message } from '../../src/domain/message.js';
import { submitViaLgsp } from './lgsp-submit.js';
import { submitToNational } from './national-submit.js';
import { asJudicialRecordPayload, type JudicialRecordPayload } from './payload.js';
import { resolveJudicialRecordsSettings, type JudicialRecordsSettings } from './settings.js';

/**
 * One delivery attempt of a `dossier` message with a `submit` operation: reads the dossier, then
 * submits its certificate request once — `nhanHoSoDangKy` through the LGSP, or the converted form to
 * the national system — within one budget of `timeoutMs` (token fetch and one re-authentication
 * included). Always resolves with an outcome; sends nothing when `ctx.signal` is already aborted.
 */
export async function deliverJudicialRecord(message: Message, ctx: DeliveryContext<JudicialRecordsSettings>): Promise<DeliveryOutcome> {
  const resolved = attemptSettings(ctx, resolveJudicialRecordsSettings);
  if ('outcome' in resolved) return resolved.outcome;
  const { settings } = resolved;
  const operation = message.dossier;
  if (message.kind !== 'dossier' || operation?.op !== 'submit') {
    return { kind: 'permanent', reason: `judicial-records takes dossier submissions only, not a ${message.kind}${operation ? ` ${operation.op}` : ''} message` };
  }
  if (ctx.signal.aborted) return { kind: 'transient', reason: 'attempt aborted before sending' };

  const budget = startBudget(ctx.signal, settings.timeoutMs);
  try {
    // 1. Load the dossier as the hub holds it now.
    const read = await readDossier(ctx, budget, 'judicial-records');
    if ('outcome' in read) return read.outcome;
    const { dossier } = read;
    // 2. Check it is a certificate request.
    const payload = checkedPayload(dossier, operation.number);
    if ('problem' in payload) return { kind: 'permanent', reason: payload.problem };
    // 3. Submit once.
    const isDuplicate = duplicateClassifier(settings);
    if (settings.variant === 'lgsp') {
      return await submitViaLgsp(dossier, payload, { endpointId: ctx.endpoint.id, settings, budget, now: () => ctx.now(), log: ctx.log }, isDuplicate);
    }
    // The success list is matched like the duplicate list (folded text, whole words).
    const isSuccess = duplicateClassifier({ duplicatePhrases: settings.successPhrases });
    return await submitToNational(message, dossier, payload, settings, ctx, budget, { isSuccess, isDuplicate });
  } finally {
    budget.end();
  }
}

function checkedPayload(dossier: Dossier, number: string): JudicialRecordPayload | { problem: string } {
  if (dossier.target.payloadType !== 'judicial-record') return { problem: `dossier ${dossier.number} carries a ${dossier.target.payloadType} payload, not a judicial-record one` };
  if (dossier.number !== number) return { problem: `the message is about dossier ${number}, the hub served ${dossier.number}` };
  return asJudicialRecordPayload(dossier.target.payload);
}
