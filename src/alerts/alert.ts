/** Every alert the hub raises (the audit event kind is `alert.<name>`, the webhook's `alert` field the name). */
export const ALERT_NAMES = ['delivery-failed', 'circuit-open', 'certificate-expiring', 'audit-write-failed'] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

export type AlertSeverity = 'warning' | 'critical';

/**
 * Something an operator must hear about. Alerts that share a `key` within `dedupeMs` are one alert:
 * the first is recorded and sent, the others only counted.
 */
export interface Alert {
  name: AlertName;
  /** What makes two alerts the same one: `circuit-open:h41`, `certificate-expiring:<fingerprint>` … */
  key: string;
  severity: AlertSeverity;
  /** One line for a person. */
  summary: string;
  /** Ids, codes, counts, reasons: never secrets (it goes to the audit log and to the webhook). */
  data: Record<string, unknown>;
  /** How long a repeat of the same key is suppressed, ms. */
  dedupeMs: number;
}

/** The narrow port components raise alerts through: never blocks, never throws. */
export interface AlertSink {
  raise(alert: Alert): void;
}
