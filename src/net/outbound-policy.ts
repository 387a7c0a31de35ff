import { createOutboundGuard, type OutboundGuard } from './outbound-guard.js';

/**
 * The guard every adapter connection of this process obeys. Process-wide on purpose, like the
 * adapters' connection pools it serves (module-level in each adapter, outliving single attempts):
 * the adapters are a static table the hub is handed, with no per-hub set-up to pass a guard
 * through, and the allowance is a property of the process's network (its environment), not of one
 * hub. `openHub` installs the guard of its environment; until then nothing private is reachable.
 */
let installed: OutboundGuard = createOutboundGuard();

/** Makes `guard` the one later connections obey (connections already open are not re-judged). */
export function installOutboundGuard(guard: OutboundGuard): void {
  installed = guard;
}

/** The guard in effect now. */
export function currentOutboundGuard(): OutboundGuard {
  return installed;
}
