import type { DossierPollContext } from '../../src/adapters/adapter-contract.js';
import { startBudget } from '../../src/adapters/call-budget.js';
import { asText, parseJsonObject } from '../../src/adapters/json-values.js';
import type { DossierUpdate, PendingDossier } from '../../src/domain/dossier.js';
import { certificateResult, type CertificateResult } from './certificate-result.js';
import { fieldOf } from './field-of.js';
import { callLgsp, isLgspSuccess, type LgspCallResult } from './lgsp-client.js';
import { receiptNumberOf } from './lgsp-registration.js';
import { lltpDateToIso } from './lltp-dates.js';
import { JudicialRecordsPollError } from './poll-error.js';
import type { JudicialRecordsSettings, LgspOperation, ResolvedCommonSettings, ResolvedLgspSettings } from './settings.js';
import { hasResult, hubStatusOfLgsp } from './status-map.js';

type Settings = ResolvedLgspSettings & ResolvedCommonSettings;
type PollContext = DossierPollContext<JudicialRecordsSettings>;

/** What the LLTP says of one dossier (an item of `traDsTrangThaiHs`, or a `traTrangThaiHs` answer). */
interface Observation {
  code: string;
  name?: string;
  approveDate?: string;
  issueDate?: string;
}

type Judgement = { kind: 'update'; update: DossierUpdate } | { kind: 'settled' } | { kind: 'again' };

// `infoType` of the dossiers the one-stop filed (2), as opposed to those filed at the STP directly (1).
const VIA_ONE_STOP = '2';
// Where the rotation of single checks stands, per endpoint (see pollLgsp step 3). Module state like
// the token cache; `clearLgspPollCursors()` (part of the adapter's `close`) forgets it.
const cursors = new Map<string, number>();

/**
 * One run of result polling through the LGSP (README.md, "Result polling"):
 *
 * 1. `traDsTrangThaiHs` (`infoType` 2): the statuses that changed since they were last marked read —
 *    one call for every dossier. Throws when it fails: the system cannot answer at all.
 * 2. Each item naming a pending dossier (by `RECEIVE_NO` = `idReceivedDec`, or `DECLARATION_ID` =
 *    `remoteId`) that changed is an update; at a result status the certificate is fetched
 *    (`ketQuaXuLy`) and the update waits for it.
 * 3. `traTrangThaiHs` for at most `statusChecksPerRun` pending dossiers the list did not mention,
 *    never-seen ones first, the others in rotation: the list is read-once, so a change marked read
 *    whose update the hub then failed to store, or one another client of the same account consumed,
 *    would otherwise never come back.
 * 4. `danhDauHsThanhCong` marks read the items settled in step 2, once the hub has stored their
 *    updates (`ctx.afterStored`) — not those whose update it failed to store, nor those waiting for
 *    their certificate, nor items of dossiers not in `pending` (the hub may just not have listed them
 *    this run). A failed mark only means the items come again, and are then seen unchanged.
 */
export async function pollLgsp(ctx: PollContext, settings: Settings): Promise<DossierUpdate[]> {
  const updates: DossierUpdate[] = [];
  const byReceipt = new Map(ctx.pending.map((p) => [receiptNumberOf(p.number, settings.receiptNumber), p] as const));
  const byRemoteId = new Map(ctx.pending.filter((p) => p.remoteId).map((p) => [p.remoteId as string, p] as const));

  // 1. The change list.
  const items = await changedStatuses(ctx, settings);
  const mentioned = new Set<string>();
  // Items to mark read, with the dossier whose update must be stored first (none when settled as is).
  const read: { declarationId: string; storedFirst?: string }[] = [];
  // 2. The items about pending dossiers.
  for (const item of items) {
    const pending = (item.receiveNo !== undefined ? byReceipt.get(item.receiveNo) : undefined) ?? (item.declarationId !== undefined ? byRemoteId.get(item.declarationId) : undefined);
    if (!pending) continue;
    mentioned.add(pending.dossierId);
    const judgement = await judge(ctx, settings, pending, item);
    if (judgement.kind === 'update') updates.push(judgement.update);
    if (judgement.kind !== 'again' && item.declarationId !== undefined) {
      read.push({ declarationId: item.declarationId, ...(judgement.kind === 'update' && { storedFirst: pending.dossierId }) });
    }
  }
  // 3. Single checks of some of the others.
  for (const pending of singleChecks(ctx, settings, mentioned)) {
    if (ctx.signal.aborted) break;
    const observation = await singleStatus(ctx, settings, pending);
    if (!observation) continue;
    const judgement = await judge(ctx, settings, pending, observation);
    if (judgement.kind === 'update') updates.push(judgement.update);
  }
  // 4. Once the hub has stored the updates, mark read the items settled: an item whose update the hub
  //    failed to store stays listed for the next run.
  if (read.length > 0) {
    ctx.afterStored(async (stored) => {
      const ids = read.filter((r) => r.storedFirst === undefined || stored.has(r.storedFirst)).map((r) => r.declarationId);
      if (ids.length > 0) await markRead(ctx, settings, ids);
    });
  }
  return updates;
}

/** Forgets where the rotations stand. */
export function clearLgspPollCursors(): void {
  cursors.clear();
}

async function judge(ctx: PollContext, settings: Settings, pending: PendingDossier, seen: Observation): Promise<Judgement> {
  const status = hubStatusOfLgsp(seen.code, settings.statusMap);
  if (status === undefined) {
    ctx.log.warn({ adapter: 'judicial-records', dossierId: pending.dossierId, decStatusId: seen.code }, 'DEC_STATUS_ID not in statusMap; not reported');
    return { kind: 'settled' };
  }
  if (pending.systemStatus === seen.code && pending.status === status) return { kind: 'settled' };
  const base: DossierUpdate = { dossierId: pending.dossierId, status, systemStatus: seen.code, ...(seen.name && { note: seen.name }) };
  if (!hasResult(status)) return { kind: 'update', update: base };
  const certificate = await fetchCertificate(ctx, settings, pending);
  if (!certificate) return { kind: 'again' };
  const at = certificate.at ?? lltpDateToIso(seen.issueDate ?? seen.approveDate);
  return { kind: 'update', update: { ...base, ...(at && { at }), ...(certificate.officer && { officer: certificate.officer }), result: certificate.result } };
}

async function changedStatuses(ctx: PollContext, settings: Settings): Promise<(Observation & { declarationId?: string; receiveNo?: string })[]> {
  const answer = await call(ctx, settings, 'traDsTrangThaiHs', { infoType: VIA_ONE_STOP });
  if (answer.kind !== 'answer' || !isLgspSuccess(answer.status, settings.successStatuses)) {
    const transient = answer.kind === 'failed' ? answer.verdict.kind === 'transient' : answer.kind === 'malformed' || answer.status === undefined || settings.transientErrorCodes.includes(answer.status);
    throw new JudicialRecordsPollError('traDsTrangThaiHs', describe(answer), transient);
  }
  let list = fieldOf(answer.body, 'LISTCONTENT');
  // The guide types LISTCONTENT as "JSON": an array, or an array serialised into a string.
  if (typeof list === 'string') list = list.trim() === '' ? [] : (safeParse(list) ?? list);
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new JudicialRecordsPollError('traDsTrangThaiHs', 'LISTCONTENT is not a list', true);
  const items: (Observation & { declarationId?: string; receiveNo?: string })[] = [];
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) continue;
    const observation = observationOf(entry as Record<string, unknown>);
    const declarationId = asText(fieldOf(entry as Record<string, unknown>, 'DECLARATION_ID'));
    const receiveNo = asText(fieldOf(entry as Record<string, unknown>, 'RECEIVE_NO'));
    if (observation) items.push({ ...observation, ...(declarationId && { declarationId }), ...(receiveNo && { receiveNo }) });
    else ctx.log.warn({ adapter: 'judicial-records', declarationId }, 'traDsTrangThaiHs item without DEC_STATUS_ID; skipped');
  }
  return items;
}

async function singleStatus(ctx: PollContext, settings: Settings, pending: PendingDossier): Promise<Observation | undefined> {
  const idReceivedDec = receiptNumberOf(pending.number, settings.receiptNumber);
  if (idReceivedDec === undefined) return undefined;
  const answer = await call(ctx, settings, 'traTrangThaiHs', { idReceivedDec, infoType: VIA_ONE_STOP });
  const observation = answer.kind === 'answer' && isLgspSuccess(answer.status, settings.successStatuses) ? observationOf(answer.body) : undefined;
  if (!observation) ctx.log.warn({ adapter: 'judicial-records', dossierId: pending.dossierId, answer: describe(answer) }, 'traTrangThaiHs told nothing usable');
  return observation;
}

async function fetchCertificate(ctx: PollContext, settings: Settings, pending: PendingDossier): Promise<CertificateResult | undefined> {
  const idReceivedDec = receiptNumberOf(pending.number, settings.receiptNumber);
  if (idReceivedDec === undefined) return undefined;
  const answer = await call(ctx, settings, 'ketQuaXuLy', { idReceivedDec, infoType: VIA_ONE_STOP });
  const read = answer.kind === 'answer' && isLgspSuccess(answer.status, settings.successStatuses) ? certificateResult(fieldOf(answer.body, 'ketQuaXuLy')) : { problem: describe(answer) };
  if ('problem' in read) {
    ctx.log.warn({ adapter: 'judicial-records', dossierId: pending.dossierId, problem: read.problem }, 'certificate not available yet; asking again next run');
    return undefined;
  }
  return read;
}

async function markRead(ctx: PollContext, settings: Settings, declarationIds: readonly string[]): Promise<void> {
  const answer = await call(ctx, settings, 'danhDauHsThanhCong', { declarationId: declarationIds.join(';'), infoType: VIA_ONE_STOP });
  if (answer.kind !== 'answer' || !isLgspSuccess(answer.status, settings.successStatuses)) {
    ctx.log.warn({ adapter: 'judicial-records', endpointId: ctx.endpoint.id, answer: describe(answer) }, 'danhDauHsThanhCong failed; the items will be listed again');
  }
}

/** Never-seen dossiers first, then the others from where the last run stopped, `statusChecksPerRun` in all. */
function singleChecks(ctx: PollContext, settings: Settings, mentioned: ReadonlySet<string>): PendingDossier[] {
  const limit = settings.statusChecksPerRun;
  const others = ctx.pending.filter((p) => !mentioned.has(p.dossierId));
  const picked = others.filter((p) => p.systemStatus === undefined).slice(0, limit);
  const seen = others.filter((p) => p.systemStatus !== undefined);
  const room = Math.min(limit - picked.length, seen.length);
  if (room <= 0) return picked;
  const start = (cursors.get(ctx.endpoint.id) ?? 0) % seen.length;
  for (let i = 0; i < room; i += 1) picked.push(seen[(start + i) % seen.length] as PendingDossier);
  cursors.set(ctx.endpoint.id, (start + room) % seen.length);
  return picked;
}

async function call(ctx: PollContext, settings: Settings, operation: LgspOperation, payload: Record<string, unknown>): Promise<LgspCallResult> {
  const budget = startBudget(ctx.signal, settings.timeoutMs);
  try {
    return await callLgsp({ endpointId: ctx.endpoint.id, settings, budget, now: () => ctx.now(), log: ctx.log }, operation, payload);
  } finally {
    budget.end();
  }
}

function observationOf(body: Record<string, unknown>): Observation | undefined {
  const code = asText(fieldOf(body, 'DEC_STATUS_ID'));
  if (code === undefined || code === '') return undefined;
  const name = asText(fieldOf(body, 'DEC_STATUS_NAME'));
  const approveDate = asText(fieldOf(body, 'APPROVE_DATE'));
  const issueDate = asText(fieldOf(body, 'ISSUE_DATE'));
  return { code, ...(name && { name }), ...(approveDate && { approveDate }), ...(issueDate && { issueDate }) };
}

function describe(answer: LgspCallResult): string {
  if (answer.kind === 'failed') return answer.verdict.reason;
  if (answer.kind === 'malformed') return `HTTP ${answer.httpStatus} answer is not a JSON object: ${answer.excerpt}`;
  return `STATUS ${answer.status ?? '(none)'}${answer.description ? `: ${answer.description}` : ''}`;
}

function safeParse(text: string): unknown {
  return parseJsonObject(`{"v":${text}}`)?.v;
}
