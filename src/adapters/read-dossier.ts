import type { Dossier } from '../domain/dossier.js';
import type { DeliveryContext, DeliveryOutcome } from './adapter-contract.js';
import { raceAbort, type CallBudget } from './call-budget.js';
import { clipReason, errorText } from './reason-text.js';

/**
 * The dossier of a `dossier` message as the hub holds it now (`ctx.dossier()`), read within the
 * attempt's `budget` — or, when it cannot be read, the attempt's outcome: transient either way (the
 * budget ran out, or the hub's own store failed, which is logged at error level as `adapter`'s).
 */
export async function readDossier<S>(ctx: DeliveryContext<S>, budget: CallBudget, adapter: string): Promise<{ dossier: Dossier } | { outcome: DeliveryOutcome }> {
  try {
    return { dossier: await raceAbort(ctx.dossier(), budget.signal) };
  } catch (err) {
    const cause = budget.cause();
    if (cause !== undefined) return { outcome: { kind: 'transient', reason: `attempt ${cause === 'timeout' ? 'timed out' : 'aborted'} while the dossier was read` } };
    ctx.log.error({ err, adapter, deliveryId: ctx.deliveryId }, 'could not read the dossier');
    return { outcome: { kind: 'transient', reason: clipReason(`hub could not read the dossier: ${errorText(err)}`) } };
  }
}
