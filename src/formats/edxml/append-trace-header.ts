import { hubError } from '../../errors.js';
import type { EdxmlPacket } from './edxml-packet.js';
import { toWireTimestamp } from './wire-date.js';

/**
 * The packet with one more `TraceHeader` (each relaying system appends its own, docs/domain-vn.md
 * §1.3): `organId` at `at`, written as Vietnamese local time. Returns a new packet; the input is
 * left as it was.
 */
export function appendTraceHeader<P extends EdxmlPacket>(packet: P, organId: string, at: Date | string): P {
  const timestamp = toWireTimestamp(at);
  if (!timestamp) throw hubError('HUB_ERR_EDXML_INVALID', [`trace time "${String(at)}" is not a valid instant`]);
  const list = packet.traceHeaderList ?? { traceHeaders: [] };
  return { ...packet, traceHeaderList: { ...list, traceHeaders: [...list.traceHeaders, { organId, timestamp }] } };
}
