/** Delivery states of the delivery state machine (`deliveries.state`). */
export const DELIVERY_STATES = ['queued', 'sending', 'retrying', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** Newest first (`desc`, the default) or oldest first. */
export type AuditOrder = 'asc' | 'desc';

/**
 * What an auditor asks for. Every field narrows the result (AND); absent fields do not filter.
 * `state`, `sender`, `recipient` and `messageKind` apply to deliveries only, `kind` to audit events only.
 */
export interface AuditFilter {
  /** Agency code: a delivery's sender or recipient; an event's message sender or recipient, actor, or filing agency of its dossier. */
  agency?: string;
  messageId?: string;
  /** Document number (số, `document.number`), exact. */
  number?: string;
  /** Document notation (ký hiệu, `document.notation`), exact. */
  notation?: string;
  /** Dossier number (mã hồ sơ, `dossiers.number`), exact. */
  dossier?: string;
  /** Deliveries only: the sending agency (the message's sender). */
  sender?: string;
  /** Deliveries only: the receiving agency. */
  recipient?: string;
  /** Deliveries only: the message's kind (`document`, `status`, `dossier`). */
  messageKind?: string;
  /** Adapter id of the delivery's endpoint (`endpoints.adapter`). */
  adapter?: string;
  state?: DeliveryState;
  /** Audit event kind, exact (`delivery.failed`). */
  kind?: string;
  /** Inclusive lower bound of the row's time: RFC 3339 with offset, as given (microseconds kept). */
  from?: string;
  /** Exclusive upper bound of the row's time, likewise. An empty range [from, to) is an empty result. */
  to?: string;
}

/**
 * Where a row sits in keyset order: its time and its id. The time keeps PostgreSQL's microseconds (a
 * JavaScript Date would drop the last three digits, and pages would skip or repeat rows).
 */
export interface SortKey {
  /** UTC, ISO 8601 with six fraction digits: `2026-12-07T03:15:42.123456Z`. */
  at: string;
  id: string;
}
