import { startBudget } from '../../src/adapters/call-budget.js';
import type { DossierPollContext } from '../../src/adapters/adapter-contract.js';
import type { DossierUpdate, PendingDossier } from '../../src/domain/dossier.js';
import { authorizedPost, type CallerContext } from './authorized-call.js';
import type { CallVerdict } from './call-verdict.js';
import { judgeState } from './dossier-update.js';
import { isCivilPayloadType, type CivilPayloadType } from './modules.js';
import { PollTally } from './poll-tally.js';
import { officeOfRemoteId, lgspServiceUrl } from './registration-request.js';
import type { RegistryAnswer } from './registry-answer.js';
import type { CivilRegistrySettings } from './settings.js';
import { RESULT_CODES } from './status-map.js';

type Service = 'traTrangThaiHoSo' | 'ketQuaDangKyHS';

/**
 * One result-polling run against the LGSP generation (docs/domain-vn.md §5.1): `traTrangThaiHoSo`
 * `{maDonVi, maHoSo}` per pending dossier (its `status` is the state: 1 received, 2 needs more
 * information, 3 eligible, 4 completed; 0 an error), and `ketQuaDangKyHS` when it says 4. A dossier
 * whose result cannot be had yet (200 RECORD_UNCOMPLETE, a failed call) is left out until next run,
 * so its result is never lost behind an unchanged state.
 */
export async function pollLgsp(ctx: DossierPollContext<CivilRegistrySettings>, caller: CallerContext): Promise<DossierUpdate[]> {
  const tally = new PollTally();
  const updates: DossierUpdate[] = [];
  for (const pending of ctx.pending) {
    if (ctx.signal.aborted) break;
    if (!isCivilPayloadType(pending.payloadType)) continue;
    const update = await pollOne(ctx, caller, pending, pending.payloadType, tally);
    if (update) updates.push(update);
  }
  tally.throwIfNothingAnswered('traTrangThaiHoSo');
  return updates;
}

async function pollOne(
  ctx: DossierPollContext<CivilRegistrySettings>,
  caller: CallerContext,
  pending: PendingDossier,
  payloadType: CivilPayloadType,
  tally: PollTally,
): Promise<DossierUpdate | undefined> {
  const maDonVi = officeOfRemoteId(pending.remoteId) ?? caller.settings.maDonVi;
  if (maDonVi === undefined) {
    ctx.log.warn({ adapter: 'civil-registry', dossierId: pending.dossierId }, 'no registering office to ask about: no remoteId of this adapter and no maDonVi setting');
    return undefined;
  }
  const request = { maDonVi: Number(maDonVi), maHoSo: pending.number };
  const state = await ask(ctx, caller, 'traTrangThaiHoSo', request, tally);
  // status 0 is an error answer (201 RECORD_NOT_FOUND …): the system cannot tell about this one.
  if (!state || state.status === '0') return undefined;

  const judged = judgeState(pending, payloadType, { code: state.status, note: state.statusDescription }, caller.settings.statusMap);
  if (judged.kind === 'unmapped') ctx.log.warn({ adapter: 'civil-registry', dossierId: pending.dossierId, status: state.status }, 'status not in the status map');
  if (judged.kind !== 'update') return undefined;
  if (state.status !== RESULT_CODES.lgsp) return judged.update;

  const result = await ask(ctx, caller, 'ketQuaDangKyHS', request, tally);
  if (!result || result.status !== '1') return undefined;
  const withResult = judgeState(pending, payloadType, { code: state.status, note: state.statusDescription, result: result.body.value }, caller.settings.statusMap);
  return withResult.kind === 'update' ? withResult.update : undefined;
}

/** One call; the answer when the system gave one (a refusal included), `undefined` otherwise. */
async function ask(
  ctx: DossierPollContext<CivilRegistrySettings>,
  caller: CallerContext,
  service: Service,
  request: { maDonVi: number; maHoSo: string },
  tally: PollTally,
): Promise<RegistryAnswer | undefined> {
  const budget = startBudget(ctx.signal, caller.settings.timeoutMs);
  let verdict: CallVerdict;
  try {
    verdict = await authorizedPost(caller, budget, lgspServiceUrl(caller.settings.baseUrl, service), request);
  } finally {
    budget.end();
  }
  if (verdict.kind !== 'answer') {
    tally.failure(verdict);
    ctx.log.warn({ adapter: 'civil-registry', endpointId: ctx.endpoint.id, service, reason: verdict.reason }, 'civil registry call failed');
    return undefined;
  }
  const { answer } = verdict;
  if (answer.status === '0' && answer.errorCode === '100') {
    tally.failure({ kind: 'permanent', httpStatus: 401, reason: `${service}: AUTHEN_ERROR after a new token` });
    return undefined;
  }
  tally.answer();
  if (answer.status === '0') ctx.log.debug({ adapter: 'civil-registry', service, maHoSo: request.maHoSo, errorCode: answer.errorCode, description: answer.errorDescription }, 'civil registry cannot tell');
  return answer;
}
