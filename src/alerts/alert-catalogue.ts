import type { Alert } from './alert.js';

/** A certificate is announced at most once a day while it is within the warning window (the check runs hourly). */
export const CERTIFICATE_ALERT_EVERY_MS = 86_400_000;

/**
 * A delivery given up. One alert per endpoint per window: an endpoint that fails a thousand
 * deliveries in an outage sends one, with the count of the others in the next (each failed delivery
 * is in the audit log as `delivery.failed` regardless).
 */
export function deliveryFailedAlert(d: { endpoint: string; deliveryId: string; messageId: string; recipient: string; attempts: number; reason: string }, dedupeMs: number): Alert {
  return {
    name: 'delivery-failed', key: `delivery-failed:${d.endpoint}`, severity: 'warning', dedupeMs,
    summary: `Delivery ${d.deliveryId} to ${d.recipient} through endpoint ${d.endpoint} was given up after ${d.attempts} attempt(s)`,
    data: { endpoint: d.endpoint, deliveryId: d.deliveryId, messageId: d.messageId, recipient: d.recipient, attempts: d.attempts, reason: d.reason.slice(0, 500) },
  };
}

/** An endpoint's circuit opened (or reopened after a failed trial) in a worker. */
export function circuitOpenAlert(c: { endpoint: string; consecutiveFailures: number; openUntil?: number; reopened: boolean; worker: string }, dedupeMs: number): Alert {
  return {
    name: 'circuit-open', key: `circuit-open:${c.endpoint}`, severity: 'critical', dedupeMs,
    summary: `Circuit of endpoint ${c.endpoint} ${c.reopened ? 'reopened' : 'opened'} after ${c.consecutiveFailures} consecutive transient failure(s)`,
    data: {
      endpoint: c.endpoint, consecutiveFailures: c.consecutiveFailures, reopened: c.reopened, worker: c.worker,
      ...(c.openUntil !== undefined ? { openUntil: new Date(c.openUntil).toISOString() } : {}),
    },
  };
}

/** A certificate the hub relies on expires within the window (or has expired). */
export function certificateExpiringAlert(c: { source: string; subject: string; serial: string; fingerprintSha256: string; notAfter: Date; daysLeft: number }): Alert {
  const when = c.daysLeft < 0 ? `expired on ${c.notAfter.toISOString()}` : `expires on ${c.notAfter.toISOString()} (${Math.floor(c.daysLeft)} day(s) left)`;
  return {
    name: 'certificate-expiring', key: `certificate-expiring:${c.fingerprintSha256}`, severity: c.daysLeft < 7 ? 'critical' : 'warning', dedupeMs: CERTIFICATE_ALERT_EVERY_MS,
    summary: `Certificate ${c.subject} (${c.source}) ${when}`,
    data: { source: c.source, subject: c.subject, serial: c.serial, fingerprintSha256: c.fingerprintSha256, notAfter: c.notAfter.toISOString(), daysLeft: Math.floor(c.daysLeft) },
  };
}

/** The audit log stopped taking rows, or its sealer stopped: the hub fails closed. */
export function auditWriteFailedAlert(problem: string, since: Date, dedupeMs: number): Alert {
  return {
    name: 'audit-write-failed', key: 'audit-write-failed', severity: 'critical', dedupeMs,
    summary: `The audit log cannot be written: ${problem}; the hub refuses intake until it can`,
    data: { problem: problem.slice(0, 500), since: since.toISOString() },
  };
}
