import type { DeliveryContext, DeliveryOutcome } from '../../src/adapters/adapter-contract.js';
import { attemptSettings } from '../../src/adapters/attempt-settings.js';
import { startBudget } from '../../src/adapters/call-budget.js';
import { failureOutcome } from '../../src/adapters/http-failure.js';
import { readDossier } from '../../src/adapters/read-dossier.js';
import { clipReason, errorText } from '../../src/adapters/reason-text.js';
import type { DossierOperation } from '../../src/domain/dossier.js';
import type { Message } from '../../src/domain/message.js';
import { dossierSyncItem } from './dossier-item.js';
import { resultItems } from './portal-answer.js';
import { PortalConversation, type ServiceVerdict } from './portal-conversation.js';
import { answerRules } from './portal-verdict.js';
import { progressItem } from './progress-item.js';
import { sessionKey } from './session-cache.js';
import { resolveDvcqgSettings, type DvcqgSettings } from './settings.js';

type SyncOperation = Extract<DossierOperation, { op: 'sync' }>;

/**
 * One delivery attempt of a `sync` operation to the portal (docs/domain-vn.md §4.2, OpenCPS's
 * sequence), in one session:
 *
 * 1. read the dossier as the hub holds it now (`ctx.dossier()`), build the two items;
 * 2. `TraCuuHoSo` — does the portal have it (a non-empty `result`)?
 * 3. `DongBoHoSoMC` with `isUpdating` `True` (found) or `False`; an "already exists" refusal of an
 *    add (another attempt added it after the look-up) is sent again as an update;
 * 4. once the portal took it (`error_code` 0), `CapNhatTienDoHoSoMC` with the step; an "already
 *    recorded" refusal counts as delivered.
 *
 * `remoteId` = the `MaHoSo`. Always resolves with an outcome (README.md, "How answers are classified").
 */
export async function syncDossierToPortal(message: Message, ctx: DeliveryContext<DvcqgSettings>): Promise<DeliveryOutcome> {
  const resolved = attemptSettings(ctx, resolveDvcqgSettings);
  if ('outcome' in resolved) return resolved.outcome;
  const { settings } = resolved;
  const op = message.dossier;
  if (message.kind !== 'dossier' || op?.op !== 'sync') {
    return { kind: 'permanent', reason: `the portal takes dossier sync operations only, not ${message.kind}${op ? ` ${op.op}` : ''}` };
  }
  if (ctx.signal.aborted) return { kind: 'transient', reason: 'attempt aborted before sending' };
  const budget = startBudget(ctx.signal, settings.timeoutMs);
  try {
    // 1. The dossier now, and what the portal will be told.
    const read = await readDossier(ctx, budget, 'dvcqg');
    if ('outcome' in read) return read.outcome;
    const { dossier } = read;
    let items: { sync: Record<string, unknown>; progress: Record<string, string> };
    try {
      items = { sync: dossierSyncItem(dossier, op.step, settings), progress: progressItem(dossier, op.step, settings) };
    } catch (err) {
      return { kind: 'permanent', reason: clipReason(`dossier ${dossier.number} cannot be written for the portal: ${errorText(err)}`) };
    }
    const conversation = new PortalConversation({
      settings,
      rules: answerRules(settings),
      sessionKey: sessionKey(ctx.endpoint.id, settings),
      budget,
      now: () => ctx.now(),
    });
    const outcome = await converse(conversation, dossier.number, items, op);
    ctx.log.debug({ adapter: 'dvcqg', deliveryId: ctx.deliveryId, outcome: outcome.kind, logins: conversation.loginCount, ...(outcome.kind !== 'delivered' && { reason: outcome.reason }) }, 'portal sync attempt');
    return outcome;
  } finally {
    budget.end();
  }
}

async function converse(conversation: PortalConversation, number: string, items: { sync: Record<string, unknown>; progress: Record<string, string> }, op: SyncOperation): Promise<DeliveryOutcome> {
  // 2. Look it up. A refusal of the look-up reads as "not found", as OpenCPS reads it: an add of a
  // dossier the portal has is refused as a duplicate and sent again as an update.
  const lookup = await conversation.call({ service: 'TraCuuHoSo', mahoso: number });
  if (lookup.kind === 'transient' || lookup.kind === 'permanent') return failed('TraCuuHoSo', lookup);
  const found = lookup.kind === 'ok' && (resultItems(lookup.answer)?.length ?? 0) > 0;

  // 3. Add or update the dossier.
  let sync = await conversation.call(syncParams(found, items.sync));
  if (!found && sync.kind === 'refused' && sync.duplicate) sync = await conversation.call(syncParams(true, items.sync));
  if (sync.kind !== 'ok') return failed('DongBoHoSoMC', sync);

  // 4. Report the step.
  const progress = await conversation.call({ service: 'CapNhatTienDoHoSoMC', data: [items.progress] });
  if (progress.kind === 'ok') return { kind: 'delivered', remoteId: number, httpStatus: progress.httpStatus };
  if (progress.kind === 'refused' && progress.duplicate) {
    return { kind: 'delivered', remoteId: number, httpStatus: progress.httpStatus, detail: clipReason(`the portal already had step ${op.step.status} at ${op.step.at}: ${progress.answer.message}`) };
  }
  return failed('CapNhatTienDoHoSoMC', progress);
}

function syncParams(updating: boolean, item: Record<string, unknown>): Record<string, unknown> {
  return { service: 'DongBoHoSoMC', isUpdating: updating ? 'True' : 'False', data: [item] };
}

/** A call that did not go through, as the attempt's outcome; the service is named in the reason. */
function failed(service: string, verdict: Exclude<ServiceVerdict, { kind: 'ok' }>): DeliveryOutcome {
  const reason = `${service}: ${verdict.reason}`;
  // A refusal that does not say "already there" ends the delivery.
  return failureOutcome(verdict.kind === 'refused' ? { kind: 'permanent', reason, httpStatus: verdict.httpStatus } : { ...verdict, reason });
}
