import type { DossierPollContext } from '../../src/adapters/adapter-contract.js';
import type { DossierUpdate } from '../../src/domain/dossier.js';
import { pollLgsp } from './lgsp-poll.js';
import { pollNational } from './national-poll.js';
import { resolveJudicialRecordsSettings, type JudicialRecordsSettings } from './settings.js';

/**
 * One run of result polling for an endpoint (`Adapter.pollDossiers`): what became of the pending
 * dossiers, in the hub's states, with the certificate when there is one. Throws when the system
 * cannot answer at all (`JudicialRecordsPollError`) or the settings are unusable.
 */
export async function pollJudicialRecords(ctx: DossierPollContext<JudicialRecordsSettings>): Promise<DossierUpdate[]> {
  const settings = resolveJudicialRecordsSettings(ctx.endpoint.settings);
  if (ctx.pending.length === 0) return [];
  return settings.variant === 'lgsp' ? pollLgsp(ctx, settings) : pollNational(ctx, settings);
}
