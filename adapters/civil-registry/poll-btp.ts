import { startBudget } from '../../src/adapters/call-budget.js';
import { asText, isJsonObject } from '../../src/adapters/json-values.js';
import { clipReason } from '../../src/adapters/reason-text.js';
import type { DossierPollContext } from '../../src/adapters/adapter-contract.js';
import type { DossierUpdate, PendingDossier } from '../../src/domain/dossier.js';
import { authorizedPost, type CallerContext } from './authorized-call.js';
import { judgeState } from './dossier-update.js';
import { isCivilPayloadType, type CivilPayloadType } from './modules.js';
import { PollTally } from './poll-tally.js';
import { errorCodeLabel } from './error-codes.js';
import { answerText } from './registry-answer.js';
import type { CivilRegistrySettings } from './settings.js';

/**
 * One result-polling run against the current generation (docs/domain-vn.md §5.2): `LayKetQua` with
 * `{maDinhDanhHoSo[], maTinh, module}`, one module per call and at most `resultChunkSize` dossiers
 * (S3 asks 3), asked by their one-stop number. Each `value[]` item is matched back by `maHoSoMCDT`.
 */
export async function pollBtp(ctx: DossierPollContext<CivilRegistrySettings>, caller: CallerContext): Promise<DossierUpdate[]> {
  const { settings } = caller;
  const tally = new PollTally();
  const updates: DossierUpdate[] = [];
  for (const [payloadType, group] of groupByType(ctx.pending)) {
    for (let start = 0; start < group.length; start += settings.resultChunkSize) {
      if (ctx.signal.aborted) break;
      const chunk = group.slice(start, start + settings.resultChunkSize);
      const items = await askChunk(ctx, caller, payloadType, chunk, tally);
      for (const item of items) {
        const update = updateOf(ctx, caller, payloadType, chunk, item);
        if (update) updates.push(update);
      }
    }
  }
  tally.throwIfNothingAnswered('LayKetQua');
  return updates;
}

/** The pending civil-registry dossiers by payload type (a call asks about one module). */
function groupByType(pending: readonly PendingDossier[]): Map<CivilPayloadType, PendingDossier[]> {
  const groups = new Map<CivilPayloadType, PendingDossier[]>();
  for (const dossier of pending) {
    if (!isCivilPayloadType(dossier.payloadType)) continue;
    const group = groups.get(dossier.payloadType) ?? [];
    group.push(dossier);
    groups.set(dossier.payloadType, group);
  }
  return groups;
}

async function askChunk(
  ctx: DossierPollContext<CivilRegistrySettings>,
  caller: CallerContext,
  payloadType: CivilPayloadType,
  chunk: readonly PendingDossier[],
  tally: PollTally,
): Promise<Record<string, unknown>[]> {
  const { settings } = caller;
  const budget = startBudget(ctx.signal, settings.timeoutMs);
  try {
    const verdict = await authorizedPost(caller, budget, settings.layKetQuaUrl, {
      maDinhDanhHoSo: chunk.map((dossier) => dossier.number),
      maTinh: settings.maTinh,
      module: settings.moduleCodes[payloadType],
    });
    if (verdict.kind !== 'answer') {
      tally.failure(verdict);
      ctx.log.warn({ adapter: 'civil-registry', endpointId: ctx.endpoint.id, reason: verdict.reason, dossiers: chunk.length }, 'LayKetQua failed');
      return [];
    }
    const { answer } = verdict;
    if (answer.status !== '1') {
      const reason = clipReason(`LayKetQua refused (status ${answer.status}${answer.errorCode ? `, errorCode ${errorCodeLabel(answer.errorCode)}` : ''}): ${answerText(answer) || 'no description'}`);
      tally.failure({ kind: 'permanent', httpStatus: verdict.httpStatus, reason });
      ctx.log.warn({ adapter: 'civil-registry', endpointId: ctx.endpoint.id, reason }, 'LayKetQua refused');
      return [];
    }
    tally.answer();
    const value = answer.body.value;
    return Array.isArray(value) ? value.filter(isJsonObject) : [];
  } finally {
    budget.end();
  }
}

function updateOf(
  ctx: DossierPollContext<CivilRegistrySettings>,
  caller: CallerContext,
  payloadType: CivilPayloadType,
  chunk: readonly PendingDossier[],
  item: Record<string, unknown>,
): DossierUpdate | undefined {
  const number = asText(item.maHoSoMCDT);
  const pending = chunk.find((dossier) => dossier.number === number);
  const code = asText(item.trangThai);
  // An item for a dossier not asked about, or without a state, or with `errors`: nothing it can tell.
  if (!pending || !code || (asText(item.errors) ?? '') !== '') return undefined;
  const officer = { name: asText(item.nguoiXuLy), position: asText(item.chucDanh), department: asText(item.phongBanXuLy) };
  const deadline = asText(item.hanBoSungHoSo);
  const note = [asText(item.noiDungXuLy) || asText(item.ghiChu), deadline ? `Hạn bổ sung hồ sơ: ${deadline}` : undefined].filter(Boolean).join(' — ');
  const judged = judgeState(pending, payloadType, { code, at: asText(item.thoiGianThucHien), note, officer, result: item.ketQuaXuLy }, caller.settings.statusMap);
  if (judged.kind === 'unmapped') ctx.log.warn({ adapter: 'civil-registry', endpointId: ctx.endpoint.id, dossierId: pending.dossierId, trangThai: code }, 'trangThai not in the status map');
  return judged.kind === 'update' ? judged.update : undefined;
}
