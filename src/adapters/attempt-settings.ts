import type { DeliveryContext, DeliveryOutcome } from './adapter-contract.js';
import { errorText } from './reason-text.js';

/**
 * The endpoint's settings resolved by the adapter's `resolve` (defaults, derived values) for one
 * attempt — or, when they do not resolve, the attempt's permanent outcome: retrying cannot help
 * until the configuration changes.
 */
export function attemptSettings<S, R>(ctx: DeliveryContext<S>, resolve: (settings: S) => R): { settings: R } | { outcome: DeliveryOutcome } {
  try {
    return { settings: resolve(ctx.endpoint.settings) };
  } catch (err) {
    return { outcome: { kind: 'permanent', reason: `invalid endpoint settings: ${errorText(err)}` } };
  }
}
