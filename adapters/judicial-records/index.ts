import type { Adapter } from '../../src/adapters/adapter-contract.js';
import { sampleDossier, sampleMessage } from './conformance-sample.js';
import { deliverJudicialRecord } from './deliver.js';
import { clearLgspPollCursors } from './lgsp-poll.js';
import { clearLgspTokens } from './lgsp-token.js';
import { pollJudicialRecords } from './poll.js';
import { closeJudicialRecordsPools } from './http-call.js';
import { judicialRecordsSecretSettings, judicialRecordsSettingsSchema, type JudicialRecordsSettings } from './settings.js';
import { startJudicialRecordsSimulator } from './simulator.js';
import { judicialSimulatorSecret } from './simulator-store.js';

/** Consumer key the conformance settings use on an open simulator. */
const CONFORMANCE_CONSUMER = 'lienthong-hub';

/**
 * Judicial records (lý lịch tư pháp): submits criminal-record certificate requests and polls their
 * status and certificate, through the province LGSP in front of the shared LLTP software (`lgsp`) or
 * to the Ministry of Justice's national LLTP system (`national`) (README.md).
 */
export const judicialRecordsAdapter: Adapter<JudicialRecordsSettings> = {
  id: 'judicial-records',
  description: 'Judicial records (LLTP): certificate requests through the province LGSP (nhanHoSoDangKy, bearer token) or to the national LLTP system (authKey), status and certificate polling.',
  settingsSchema: judicialRecordsSettingsSchema,
  secretSettings: judicialRecordsSecretSettings,
  deliver: deliverJudicialRecord,
  pollDossiers: pollJudicialRecords,
  // Conformance and demos: gateways that accept any consumer key with its derived secret.
  startSimulator: (options) => startJudicialRecordsSimulator({ enrolment: 'open', ...options }),
  conformance: {
    settingsFor: (simulatorUrl, mailbox) => ({
      variant: 'lgsp',
      baseUrl: `${simulatorUrl}/${mailbox}/apiLyLichTuPhap/`,
      tokenUrl: `${simulatorUrl}/${mailbox}/token`,
      consumerKey: CONFORMANCE_CONSUMER,
      consumerSecret: judicialSimulatorSecret(CONFORMANCE_CONSUMER),
      idMinistryJustice: '38',
      timeoutMs: 2000,
    }),
    sample: () => ({ message: sampleMessage(), dossier: sampleDossier() }),
  },
  async close() {
    clearLgspTokens();
    clearLgspPollCursors();
    await closeJudicialRecordsPools();
  },
};

export { JudicialRecordsPollError } from './poll-error.js';
export { toNationalSubmission, type NationalSubmission, type NationalDeclaration } from './national-form.js';
export { judicialSimulatorAuthKey, judicialSimulatorSecret, type SimApplication } from './simulator-store.js';
export {
  startJudicialRecordsSimulator,
  type JudicialRecordedRequest,
  type JudicialRecordsSimulatorHandle,
  type JudicialSimulatorBehaviour,
  type JudicialSimulatorOptions,
} from './simulator.js';
export { SAMPLE_DOSSIER_NUMBER, sampleDossier, sampleMessage, samplePayload } from './conformance-sample.js';
export type { JudicialRecordPayload } from './payload.js';
export type { JudicialRecordsSettings } from './settings.js';
