import type { DossierPollContext } from '../../src/adapters/adapter-contract.js';
import { errorText } from '../../src/adapters/reason-text.js';
import type { DossierUpdate } from '../../src/domain/dossier.js';
import type { CallerContext } from './authorized-call.js';
import { CivilRegistryPollError } from './poll-error.js';
import { pollBtp } from './poll-btp.js';
import { pollLgsp } from './poll-lgsp.js';
import { resolveCivilRegistrySettings, type CivilRegistrySettings } from './settings.js';

/**
 * One result-polling run for an endpoint: asks the system about the pending dossiers the way its
 * generation answers (btp `LayKetQua` in chunks, lgsp `traTrangThaiHoSo` + `ketQuaDangKyHS`) and
 * returns those whose state differs from what the hub holds, mapped onto the hub's states, with any
 * result. Throws a {@link CivilRegistryPollError} when the system answered no call.
 */
export async function pollCivilRegistry(ctx: DossierPollContext<CivilRegistrySettings>): Promise<DossierUpdate[]> {
  let caller: CallerContext;
  try {
    caller = { endpointId: ctx.endpoint.id, settings: resolveCivilRegistrySettings(ctx.endpoint.settings), log: ctx.log, now: () => ctx.now() };
  } catch (err) {
    throw new CivilRegistryPollError(`invalid endpoint settings: ${errorText(err)}`, false);
  }
  if (ctx.pending.length === 0) return [];
  if (ctx.signal.aborted) throw new CivilRegistryPollError('polling aborted before it started', true);
  return caller.settings.variant === 'btp' ? pollBtp(ctx, caller) : pollLgsp(ctx, caller);
}
