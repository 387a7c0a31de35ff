import type { Adapter } from '../../src/adapters/adapter-contract.js';
import { sampleBirthDossier, sampleSubmitMessage } from './conformance-sample.js';
import { deliverToCivilRegistry } from './deliver.js';
import { pollCivilRegistry } from './poll-dossiers.js';
import { closeCivilRegistryPools } from './http-call.js';
import { civilRegistrySecretSettings, civilRegistrySettingsSchema, type CivilRegistrySettings } from './settings.js';
import { startCivilRegistrySimulator } from './simulator.js';
import { civilRegistrySimulatorSecret } from './simulator-store.js';
import { clearTokenCache } from './token-cache.js';

/**
 * The civil registry (hộ tịch) of the Ministry of Justice, both generations (README.md): `submit`
 * of birth, death and marriage registrations (btp `NhanDKHT`; lgsp `dangKyHoTich` with the
 * registration as XML), and result polling (btp `LayKetQua` in chunks; lgsp `traTrangThaiHoSo` +
 * `ketQuaDangKyHS`) mapped onto the hub's dossier states. OAuth client-credentials tokens are cached
 * per endpoint and renewed before expiry or once when refused.
 */
export const civilRegistryAdapter: Adapter<CivilRegistrySettings> = {
  id: 'civil-registry',
  description: 'Civil registry (hộ tịch, Ministry of Justice): birth, death and marriage registrations to the BTP API or the older LGSP services, results polled back.',
  settingsSchema: civilRegistrySettingsSchema,
  secretSettings: civilRegistrySecretSettings,
  deliver: deliverToCivilRegistry,
  pollDossiers: pollCivilRegistry,
  // Conformance and demos: an open gateway that gives any consumer key a token for its derived secret.
  startSimulator: (options) => startCivilRegistrySimulator({ enrolment: 'open', ...options }),
  conformance: {
    settingsFor: (simulatorUrl, mailbox) => {
      const base = `${simulatorUrl}/${encodeURIComponent(mailbox)}`;
      const consumerKey = `lienthong-${mailbox}`;
      return {
        variant: 'btp',
        tokenUrl: `${base}/token`,
        consumerKey,
        consumerSecret: civilRegistrySimulatorSecret(consumerKey),
        nhanDkhtUrl: `${base}/btp/NhanDKHT`,
        layKetQuaUrl: `${base}/btp/LayKetQua`,
        maTinh: '38',
        timeoutMs: 2000,
      };
    },
    sample: () => {
      const dossier = sampleBirthDossier();
      return { message: sampleSubmitMessage(dossier), dossier };
    },
  },
  async close() {
    clearTokenCache();
    await closeCivilRegistryPools();
  },
};

export { sampleBirthDossier, sampleBirthPayload, sampleSubmitMessage } from './conformance-sample.js';
export { CivilRegistryPollError } from './poll-error.js';
export { DEFAULT_MODULE_CODES, type CivilPayloadType, type Variant } from './modules.js';
export { DEFAULT_STATUS_MAPS } from './status-map.js';
export { REGISTRY_ERROR_CODES } from './error-codes.js';
export type { SimOperation, CivilRegistrySimulatorBehaviour } from './simulator-behaviour.js';
export type { AdvanceDetails } from './simulator-results.js';
export { civilRegistrySimulatorSecret, type SimulatedClient, type SimulatedRegistration } from './simulator-store.js';
export { startCivilRegistrySimulator, type CivilRecordedRequest, type CivilRegistrySimulatorHandle, type CivilRegistrySimulatorOptions } from './simulator.js';
export type { CivilRegistrySettings } from './settings.js';
