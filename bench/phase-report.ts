import { deliveryStats, waitDrained, type DeliveryLog, type DeliveryStats } from './delivery-log.js';
import { percentile, type LoadResult } from './load.js';

/** One load phase: what was sent and accepted, accept latency, and accept → delivered from the hub's timestamps. */
export interface PhaseReport {
  offeredPerSecond?: number;
  sent: number;
  accepted: number;
  errors: number;
  delivered: number;
  acceptedPerSecond: number;
  deliveredPerSecond: number;
  acceptP50Ms: number;
  acceptP95Ms: number;
  acceptP99Ms: number;
  deliveredP50Ms: number;
  deliveredP95Ms: number;
  deliveredP99Ms: number;
}

/** Waits for the phase's deliveries (`timeoutMs` at most), then reads their times. */
export async function settledStats(deliveries: DeliveryLog, load: LoadResult, timeoutMs = 60_000): Promise<DeliveryStats> {
  await waitDrained(deliveries, timeoutMs);
  return deliveryStats(await deliveries.times(load.messageIds, load.startedAt));
}

export function phaseReport(load: LoadResult, delivery: DeliveryStats, offered?: number): PhaseReport {
  return {
    ...(offered ? { offeredPerSecond: offered } : {}),
    sent: load.sent, accepted: load.accepted, errors: load.errors, delivered: delivery.delivered,
    acceptedPerSecond: load.accepted / (load.elapsedMs / 1000),
    deliveredPerSecond: delivery.deliveredPerSecond,
    acceptP50Ms: percentile(load.latencies, 50), acceptP95Ms: percentile(load.latencies, 95), acceptP99Ms: percentile(load.latencies, 99),
    deliveredP50Ms: delivery.p50Ms, deliveredP95Ms: delivery.p95Ms, deliveredP99Ms: delivery.p99Ms,
  };
}

/** Column heads matching {@link phaseRow}. */
export const PHASE_HEAD = '  offered/s  accepted/s  delivered/s   accept p50 / p95 / p99 ms   accept→delivered p50 / p95 / p99 ms   errors';

/** One table row for a phase (after a label of the caller's). */
export function phaseRow(r: PhaseReport): string {
  const triple = (a: number, b: number, c: number): string => `${a.toFixed(1)} / ${b.toFixed(1)} / ${c.toFixed(1)}`;
  return `${String(r.offeredPerSecond === undefined ? '-' : Math.round(r.offeredPerSecond)).padStart(11)}  ${r.acceptedPerSecond.toFixed(0).padStart(10)}  ${r.deliveredPerSecond.toFixed(0).padStart(11)}   ${triple(r.acceptP50Ms, r.acceptP95Ms, r.acceptP99Ms).padStart(24)}   ${triple(r.deliveredP50Ms, r.deliveredP95Ms, r.deliveredP99Ms).padStart(34)}   ${r.errors}`;
}
