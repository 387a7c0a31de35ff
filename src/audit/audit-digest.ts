import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json.js';
import type { AuditRecord } from '../store/records.js';

/** The hash before the first event: 32 zero bytes. */
export const GENESIS_HASH = Buffer.alloc(32);

/** An audit event as the chain sees it: what it says, not where it is stored. */
export interface AuditEventContent {
  /** ISO 8601 in UTC with microseconds, as PostgreSQL stores it (see `AT_TEXT_SQL`). */
  at: string;
  actor: string;
  kind: string;
  messageId: string | null;
  deliveryId: string | null;
  data: unknown;
}

/** SQL that reads `audit_events.at` the way the digest needs it: UTC, microseconds, `Z`. */
const AT_TEXT_SQL = `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** An `audit_events` row as read with `EVENT_COLUMNS_SQL`: what the digest covers, and its id. */
export interface AuditEventRow {
  id: string;
  at: string;
  actor: string;
  kind: string;
  message_id: string | null;
  delivery_id: string | null;
  data: unknown;
}

/** The select list for `AuditEventRow`. */
export const EVENT_COLUMNS_SQL = `id, ${AT_TEXT_SQL} AS at, actor, kind, message_id, delivery_id, data`;

/** The content of an event row, as the chain hashes it. */
export function contentOfRow(row: AuditEventRow): AuditEventContent {
  return { at: row.at, actor: row.actor, kind: row.kind, messageId: row.message_id, deliveryId: row.delivery_id, data: row.data };
}

/**
 * The exact bytes an event's digest is taken over: canonical JSON (keys sorted, no whitespace) of
 * its content. Its position (seq) is not part of it: the chain links give the order.
 */
export function canonicalAuditEvent(event: AuditEventContent): string {
  return canonicalJson({ actor: event.actor, at: event.at, data: event.data, deliveryId: event.deliveryId, kind: event.kind, messageId: event.messageId });
}

/** SHA-256 of the event's canonical bytes. */
export function auditDigest(event: AuditEventContent): Buffer {
  return createHash('sha256').update(canonicalAuditEvent(event), 'utf8').digest();
}

/** The chain link: SHA-256 of the previous event's hash followed by this event's digest (64 bytes in). */
export function chainHash(prevHash: Buffer, digest: Buffer): Buffer {
  return createHash('sha256').update(prevHash).update(digest).digest();
}

/** A JavaScript time as PostgreSQL gives it back from a timestamptz: microseconds, `Z`. */
const isoMicros = (at: Date): string => `${at.toISOString().slice(0, -1)}000Z`;

/** The row values an event is inserted with: at, actor, kind, message id, delivery id, data (JSON text), digest (hex). */
export type AuditInsertValues = [Date, string, string, string | null, string | null, string, string];

/**
 * What a writer inserts for an event, its digest included: computed here from exactly what the row
 * will hold (the data as the JSON text the jsonb column parses), so the sealer only has to link it.
 * Verification recomputes it from the stored row; a mismatch reads as an altered event.
 */
export function auditInsertValues(event: AuditRecord): AuditInsertValues {
  const data = JSON.stringify(event.data ?? {});
  // As the uuid columns give them back (lower case), whatever case the writer was handed.
  const messageId = event.messageId?.toLowerCase() ?? null;
  const deliveryId = event.deliveryId?.toLowerCase() ?? null;
  const digest = auditDigest({ at: isoMicros(event.at), actor: event.actor, kind: event.kind, messageId, deliveryId, data: JSON.parse(data) as unknown });
  return [event.at, event.actor, event.kind, messageId, deliveryId, data, digest.toString('hex')];
}
