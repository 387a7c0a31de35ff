import { createOutboundGuard } from '../../src/net/outbound-guard.js';
import { LOOPBACK_ALLOWANCE, parseOutboundAllowance } from '../../src/net/outbound-allowance.js';
import { installOutboundGuard } from '../../src/net/outbound-policy.js';

/**
 * Lets this test file's adapters reach simulators on loopback. Tests that call adapters directly
 * (no hub, whose environment would install the guard) need it: the process's outbound guard refuses
 * loopback until told otherwise. Call once at the top of the file.
 */
export function allowLoopbackOutbound(): void {
  installOutboundGuard(createOutboundGuard(parseOutboundAllowance(LOOPBACK_ALLOWANCE)));
}
