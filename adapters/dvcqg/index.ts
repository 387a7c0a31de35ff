import type { Adapter } from '../../src/adapters/adapter-contract.js';
import { DVCQG_PROVIDER_DSTCODE, dvcqgConformanceSample } from './conformance-sample.js';
import { closeDvcqgPools } from './portal-client.js';
import { clearSessions } from './session-cache.js';
import { dvcqgSecretSettings, dvcqgSettingsSchema, type DvcqgSettings } from './settings.js';
import { dvcqgSimulatorPassword } from './simulator-accounts.js';
import { startDvcqgSimulator } from './simulator.js';
import { syncDossierToPortal } from './sync-dossier.js';

/**
 * The National Public Service Portal (Cổng Dịch vụ công quốc gia): keeps the portal in sync with
 * every dossier's state — `TraCuuHoSo`, `DongBoHoSoMC`, `CapNhatTienDoHoSoMC` in a `mapi/login`
 * session, directly or through the NGSP X-Road adapter (README.md). Not a target system: no polling.
 */
export const dvcqgAdapter: Adapter<DvcqgSettings> = {
  id: 'dvcqg',
  description: 'National Public Service Portal (DVCQG): dossier and progress sync (TraCuuHoSo → DongBoHoSoMC → CapNhatTienDoHoSoMC) in a mapi session, optionally through NGSP.',
  settingsSchema: dvcqgSettingsSchema,
  secretSettings: dvcqgSecretSettings,
  deliver: syncDossierToPortal,
  // Conformance and demos: an open portal that enrols any username with its derived password,
  // reached through the NGSP forwarding path with the portal's dstcode.
  startSimulator: (options) => startDvcqgSimulator({ enrolment: 'open', dstcode: DVCQG_PROVIDER_DSTCODE, ...options }),
  conformance: {
    settingsFor: (simulatorUrl, mailbox) => ({
      baseUrl: `${simulatorUrl}/XrdAdapter/RestService/forward/dvcqg`,
      dstcode: DVCQG_PROVIDER_DSTCODE,
      username: mailbox,
      password: dvcqgSimulatorPassword(mailbox),
      timeoutMs: 2000,
    }),
    sample: dvcqgConformanceSample,
  },
  close: closeDvcqg,
};

/** Forgets the cached sessions and closes the connection pools. */
export async function closeDvcqg(): Promise<void> {
  clearSessions();
  await closeDvcqgPools();
}

export { DVCQG_PROVIDER_DSTCODE, dvcqgConformanceSample } from './conformance-sample.js';
export { clipSummary, documentUrl, dossierSyncItem } from './dossier-item.js';
export { DvcqgLookupError, lookupDossier, type DossierLookup, type LookupOptions } from './lookup-dossier.js';
export { formatPortalTime, parsePortalTime } from './portal-time.js';
export { PORTAL_STATUS_STRINGS, portalStatusOf, statusFromPortal, UNMAPPED_PORTAL_STATUSES } from './portal-status.js';
export { progressItem } from './progress-item.js';
export { DVCQG_DEFAULTS, dvcqgSettingsSchema, resolveDvcqgSettings, type DvcqgSettings } from './settings.js';
export { dvcqgSimulatorPassword, type SimulatedAccount } from './simulator-accounts.js';
export { SIM_ERROR_CODES } from './simulator-answers.js';
export type { DvcqgCallName, DvcqgSimulatorBehaviour } from './simulator-behaviour.js';
export { DEFAULT_PROCEDURES, type SimulatedProcedure } from './simulator-catalogue.js';
export type { StoredDossier, StoredProgress } from './simulator-registry.js';
export { startDvcqgSimulator, type DvcqgRecordedRequest, type DvcqgSimulatorHandle, type DvcqgSimulatorOptions } from './simulator.js';
