import type { DeliveryContext, DeliveryOutcome } from '../../src/adapters/adapter-contract.js';
import { raceAbort, type CallBudget } from '../../src/adapters/call-budget.js';
import type { DuplicateClassifier } from '../../src/adapters/duplicate-phrases.js';
import { failureOutcome, failureVerdict } from '../../src/adapters/http-failure.js';
import { asText, parseJsonObject } from '../../src/adapters/json-values.js';
import { clipReason, errorText } from '../../src/adapters/reason-text.js';
import type { Dossier } from '../../src/domain/dossier.js';
import type { Message } from '../../src/domain/message.js';
import { postOnce, type CallResult } from './http-call.js';
import { toNationalSubmission, type NationalFile } from './national-form.js';
import type { JudicialRecordPayload } from './payload.js';
import type { JudicialRecordsSettings, ResolvedCommonSettings, ResolvedNationalSettings } from './settings.js';

/** How the national system's answer texts are read. */
export interface NationalPhrases {
  isSuccess: DuplicateClassifier;
  isDuplicate: DuplicateClassifier;
}

/**
 * One POST of the converted form, with the dossier's documents as `fileHoSo` (base64), to the national
 * LLTP system; `remoteId` = the dossier number (`maHoSoMCDT`, the key the system answers results by).
 */
export async function submitToNational(
  message: Message,
  dossier: Dossier,
  payload: JudicialRecordPayload,
  settings: ResolvedNationalSettings & ResolvedCommonSettings,
  ctx: DeliveryContext<JudicialRecordsSettings>,
  budget: CallBudget,
  phrases: NationalPhrases,
): Promise<DeliveryOutcome> {
  // 1. The documents, base64 (the system takes them inside the JSON).
  let files: NationalFile[];
  try {
    files = await raceAbort(readFiles(message, dossier, ctx, budget.signal), budget.signal);
  } catch (err) {
    if (budget.cause() !== undefined) return { kind: 'transient', reason: `attempt ${budget.cause() === 'timeout' ? 'timed out' : 'aborted'} while the documents were read` };
    ctx.log.error({ err, adapter: 'judicial-records', deliveryId: ctx.deliveryId }, 'could not read a dossier document');
    return { kind: 'transient', reason: clipReason(`hub could not read a dossier document: ${errorText(err)}`) };
  }
  // 2. Convert and send once.
  const form = toNationalSubmission(dossier, payload, settings, files);
  if ('problem' in form) return { kind: 'permanent', reason: form.problem };
  const result = await postOnce(
    { url: settings.submitUrl, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(form) },
    settings,
    budget,
    () => ctx.now(),
  );
  return nationalSubmissionOutcome(result, dossier.number, settings.transientErrorCodes, phrases);
}

/**
 * Judges the answer by its text, as the one-stop code does (docs §6.2): a success phrase ("gửi thông
 * tin thành công") or an "already received" phrase → delivered; an error answer (`errorCode` /
 * `status` other than 1) → permanent unless its code is in `transientErrorCodes`; anything else (not
 * JSON, no phrase, no code) → transient: nothing says it was refused, and a retry is safe because the
 * system answers a second submission with its "already received" text.
 */
export function nationalSubmissionOutcome(result: CallResult, number: string, transientErrorCodes: readonly string[], phrases: NationalPhrases): DeliveryOutcome {
  if (result.kind !== 'answer') return failureOutcome(failureVerdict(result, { call: 'national LLTP submission' }));
  const { httpStatus, text } = result;
  if (phrases.isDuplicate(text)) return { kind: 'delivered', httpStatus, remoteId: number, detail: clipReason(`already received: ${describe(text)}`) };
  if (phrases.isSuccess(text)) return { kind: 'delivered', httpStatus, remoteId: number };
  const answer = parseJsonObject(text);
  // `status` 1 without a success phrase is not a refusal either (only the phrase says "taken").
  const status = answer ? nonEmpty(asText(answer.status)) : undefined;
  const code = answer ? (nonEmpty(asText(answer.errorCode)) ?? (status === '1' ? undefined : status)) : undefined;
  if (!answer || code === undefined) return { kind: 'transient', httpStatus, reason: clipReason(`national LLTP answered HTTP ${httpStatus} with neither a known phrase nor an error code: ${text}`) };
  const reason = clipReason(`the national LLTP refused the submission: ${code}: ${describe(text)}`);
  return transientErrorCodes.includes(code) ? { kind: 'transient', httpStatus, reason } : { kind: 'permanent', httpStatus, reason };
}

/** The answer's own words: `errorDescription`, else `statusDescription`, else the text. */
function describe(text: string): string {
  const answer = parseJsonObject(text);
  return (answer && (nonEmpty(asText(answer.errorDescription)) ?? nonEmpty(asText(answer.statusDescription)))) ?? text;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

async function readFiles(message: Message, dossier: Dossier, ctx: DeliveryContext<JudicialRecordsSettings>, signal: AbortSignal): Promise<NationalFile[]> {
  const files: NationalFile[] = [];
  for (const attachment of message.attachments) {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.openAttachment(attachment.sha256)) {
      if (signal.aborted) throw signal.reason;
      chunks.push(chunk as Buffer);
    }
    // The document's procedure component names the file's kind when the one-stop gave one.
    const component = dossier.documents.find((d) => d.sha256 === attachment.sha256)?.componentCode;
    files.push({ tenLoaiFile: component ?? attachment.name, tenFile: attachment.name, noiDungFile: Buffer.concat(chunks).toString('base64') });
  }
  return files;
}
