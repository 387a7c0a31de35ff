import type { Adapter } from '../../src/adapters/adapter-contract.js';
import { deliverViaAxis } from './deliver.js';
import { fetchAxisDirectory } from './directory.js';
import { closeVdxpPools } from './axis-client.js';
import { axisProgress } from './progress.js';
import { clearUnfetchablePackets, receiveFromAxis } from './receive.js';
import { vdxpSecretSettings, vdxpSettingsSchema, type VdxpSettings } from './settings.js';
import { startVdxpSimulator } from './simulator.js';
import { vdxpSimulatorSecret } from './simulator-store.js';

/**
 * The national document axis (Trục liên thông văn bản quốc gia), spoken as VNPT's "VXP" client SDK
 * speaks it: HMAC-signed `XroadVnpt-*` headers, `sendEdoc` of the hub's signed edXML, a receive loop
 * over `getReceivedEdocList` / `getEdoc` / `updateStatus`, and the agency directory (README.md).
 */
export const vdxpAdapter: Adapter<VdxpSettings> = {
  id: 'vdxp',
  description: 'National document axis (VNPT VXP SDK protocol): sendEdoc of the signed edXML, a polled receive loop, the agency directory.',
  settingsSchema: vdxpSettingsSchema,
  secretSettings: vdxpSecretSettings,
  deliver: deliverViaAxis,
  receive: receiveFromAxis,
  fetchDirectory: fetchAxisDirectory,
  progress: axisProgress,
  // Conformance and demos: an open axis that enrols any system id with its derived secret.
  startSimulator: (options) => startVdxpSimulator({ enrolment: 'open', ...options }),
  conformance: {
    settingsFor: (simulatorUrl, mailbox) => ({
      endpoint: simulatorUrl,
      systemId: mailbox,
      secret: vdxpSimulatorSecret(mailbox),
      from: '000.00.01.H29',
      timeoutMs: 2000,
    }),
  },
  close: async () => {
    clearUnfetchablePackets();
    await closeVdxpPools();
  },
};

export { classifyAxisCall, VdxpCallError, type AxisCallResult, type AxisVerdict } from './axis-call-result.js';
export { syncUnits, mergeDirectoryLists, type SyncUnitsOptions } from './directory.js';
export { sdkHashFile } from './hash-file.js';
export { closeVdxpPools } from './axis-client.js';
export { VdxpReceiveError } from './receive.js';
export { sentProgress, type SentProgressOptions, type VdxpSentProgress } from './sent-progress.js';
export { buildSignedHeaders, verifySignedHeaders, type SignedHeaders, type SignedHeadersCheck } from './signed-headers.js';
export { generateAgencies, type SimulatedAgency } from './simulator-directory.js';
export { vdxpSimulatorSecret, type SimulatedSystem } from './simulator-store.js';
export {
  startVdxpSimulator,
  type InjectedPacket,
  type VdxpRecordedRequest,
  type VdxpSimulatorBehaviour,
  type VdxpSimulatorHandle,
  type VdxpSimulatorOptions,
} from './simulator.js';
export type { VdxpSettings } from './settings.js';
