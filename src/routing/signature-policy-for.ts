import type { HubConfig } from '../config/hub-config.js';
import type { SignaturePolicy } from '../formats/xmldsig/index.js';
import { matchingRoute, type RoutingInput } from './resolve-endpoint.js';

const STRICTNESS: Readonly<Record<SignaturePolicy, number>> = { off: 0, report: 1, require: 2 };

/**
 * The signature policy for an incoming packet: per recipient, the policy of the route that routes it
 * (the first match, as for delivery) or the hub default; over all recipients, the strictest. A packet
 * is accepted or refused whole, so one `require` recipient makes the whole packet need a signature.
 */
export function signaturePolicyFor(config: HubConfig, input: Omit<RoutingInput, 'recipient'> & { recipients: readonly string[] }): SignaturePolicy {
  let policy: SignaturePolicy | undefined;
  for (const recipient of input.recipients) {
    const route = matchingRoute(config, { ...input, recipient });
    const own = route?.signaturePolicy ?? config.signatures.defaultPolicy;
    if (policy === undefined || STRICTNESS[own] > STRICTNESS[policy]) policy = own;
  }
  return policy ?? config.signatures.defaultPolicy;
}
