import type { Adapter } from '../../src/adapters/adapter-contract.js';
import { closeHttpEndpointDispatchers, deliverToHttpEndpoint } from './adapter.js';
import { startHttpEndpointSimulator } from './simulator.js';
import { httpEndpointSecretSettings, httpEndpointSettingsSchema, type HttpEndpointSettings } from './settings.js';

/**
 * Generic agency endpoint: the hub POSTs each delivery as a signed JSON envelope to a URL the agency
 * runs (see README.md next to this file for what the receiver gets and how to verify it).
 */
export const httpEndpointAdapter: Adapter<HttpEndpointSettings> = {
  id: 'http-endpoint',
  description: 'Generic agency endpoint: one signed JSON POST per delivery (Content-Digest + JWS, Idempotency-Key).',
  settingsSchema: httpEndpointSettingsSchema,
  secretSettings: httpEndpointSecretSettings,
  deliver: deliverToHttpEndpoint,
  startSimulator: startHttpEndpointSimulator,
  conformance: {
    settingsFor: (simulatorUrl, mailbox) => ({ url: `${simulatorUrl}/inbox/${encodeURIComponent(mailbox)}`, timeoutMs: 2000 }),
  },
  close: closeHttpEndpointDispatchers,
};

export { closeHttpEndpointDispatchers, DELIVERY_JWS_TYPE } from './adapter.js';
export type { DeliveryEnvelope, EnvelopeAttachment } from './delivery-envelope.js';
export type { HttpEndpointSimulatorHandle } from './simulator.js';
export type { HttpEndpointSettings } from './settings.js';
