import type { DossierPollContext } from '../../src/adapters/adapter-contract.js';
import { startBudget } from '../../src/adapters/call-budget.js';
import { failureVerdict } from '../../src/adapters/http-failure.js';
import { asText, parseJsonObject } from '../../src/adapters/json-values.js';
import { clipReason } from '../../src/adapters/reason-text.js';
import type { DossierUpdate, PendingDossier } from '../../src/domain/dossier.js';
import { certificateResult } from './certificate-result.js';
import { postOnce } from './http-call.js';
import { JudicialRecordsPollError } from './poll-error.js';
import type { JudicialRecordsSettings, ResolvedCommonSettings, ResolvedNationalSettings } from './settings.js';
import { hasResult, hubStatusOfNational } from './status-map.js';

type Settings = ResolvedNationalSettings & ResolvedCommonSettings;
type PollContext = DossierPollContext<JudicialRecordsSettings>;

/** What asking about one dossier came to. */
type LookUp = { kind: 'update'; update: DossierUpdate } | { kind: 'nothing' } | { kind: 'unreachable'; reason: string; transient: boolean };

/**
 * One run of result polling against the national LLTP system (README.md, "Result polling"): the
 * system has no list of changes, so each pending dossier is asked about with `{authKey, maTinh,
 * maHoSoMCDT}` (as the one-stop code does), `pollConcurrency` at a time. `trangThaiXuLy` is already on
 * the hub's 1–10 scale; at 9/10 `ketQuaXuLy` carries the certificate. A dossier the system does not
 * know, or answers about unusably, is left out; when no look-up got an answer at all the run throws.
 */
export async function pollNational(ctx: PollContext, settings: Settings): Promise<DossierUpdate[]> {
  const results = await inTurns(ctx.pending, settings.pollConcurrency, (pending) => lookUp(ctx, settings, pending), ctx.signal);
  const unreachable = results.filter((r): r is Extract<LookUp, { kind: 'unreachable' }> => r.kind === 'unreachable');
  if (ctx.pending.length > 0 && unreachable.length === results.length) {
    throw new JudicialRecordsPollError('result look-up', unreachable[0]?.reason ?? 'not asked', unreachable.every((r) => r.transient));
  }
  return results.flatMap((r) => (r.kind === 'update' ? [r.update] : []));
}

async function lookUp(ctx: PollContext, settings: Settings, pending: PendingDossier): Promise<LookUp> {
  const budget = startBudget(ctx.signal, settings.timeoutMs);
  let answerText: string;
  try {
    const result = await postOnce(
      {
        url: settings.resultUrl,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ authKey: settings.authKey, maTinh: settings.maTinh, maHoSoMCDT: pending.number }),
      },
      settings,
      budget,
      () => ctx.now(),
    );
    if (result.kind !== 'answer') {
      const verdict = failureVerdict(result, { call: 'national LLTP result look-up' });
      return { kind: 'unreachable', reason: verdict.reason, transient: verdict.kind === 'transient' };
    }
    answerText = result.text;
  } finally {
    budget.end();
  }
  const entry = entryFor(answerText, pending.number);
  if ('problem' in entry) {
    ctx.log.warn({ adapter: 'judicial-records', dossierId: pending.dossierId, problem: entry.problem }, 'national LLTP told nothing usable about the dossier');
    return { kind: 'nothing' };
  }
  return judge(ctx, pending, entry.entry);
}

function judge(ctx: PollContext, pending: PendingDossier, entry: Record<string, unknown>): LookUp {
  const code = asText(entry.trangThaiXuLy) ?? '';
  const status = hubStatusOfNational(code);
  if (status === undefined) {
    ctx.log.warn({ adapter: 'judicial-records', dossierId: pending.dossierId, trangThaiXuLy: code }, 'trangThaiXuLy is not a status 1–10; not reported');
    return { kind: 'nothing' };
  }
  if (pending.systemStatus === code && pending.status === status) return { kind: 'nothing' };
  const update: DossierUpdate = { dossierId: pending.dossierId, status, systemStatus: code };
  if (!hasResult(status)) return { kind: 'update', update };
  const certificate = certificateResult(entry.ketQuaXuLy);
  if ('problem' in certificate) {
    ctx.log.warn({ adapter: 'judicial-records', dossierId: pending.dossierId, problem: certificate.problem }, 'result status without a usable ketQuaXuLy; asking again next run');
    return { kind: 'nothing' };
  }
  return {
    kind: 'update',
    update: { ...update, ...(certificate.at && { at: certificate.at }), ...(certificate.officer && { officer: certificate.officer }), result: certificate.result },
  };
}

/** The `value[]` entry of the dossier in a `{status, statusDescription, value}` answer. */
function entryFor(text: string, number: string): { entry: Record<string, unknown> } | { problem: string } {
  const answer = parseJsonObject(text);
  if (!answer) return { problem: clipReason(`answer is not a JSON object: ${text}`) };
  if (asText(answer.status) !== '1') return { problem: clipReason(`status ${asText(answer.status) ?? '(none)'}: ${asText(answer.statusDescription) ?? ''}`) };
  const values = Array.isArray(answer.value) ? answer.value : [];
  const entry = values.find((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && asText((v as Record<string, unknown>).maHoSoMCDT) === number);
  return entry ? { entry } : { problem: 'no value for this maHoSoMCDT' };
}

/** Runs `task` over `items`, at most `width` at once, in order; items not started when `signal` aborts count as unreachable. */
async function inTurns<T>(items: readonly T[], width: number, task: (item: T) => Promise<LookUp>, signal: AbortSignal): Promise<LookUp[]> {
  const results: LookUp[] = new Array<LookUp>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = signal.aborted ? { kind: 'unreachable', reason: 'poll run aborted', transient: true } : await task(items[index] as T);
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}
