import type { Queryable } from './db.js';
import { auditInsertValues } from '../audit/audit-digest.js';
import { insertRows } from './insert-rows.js';
import { UnnestParams } from './unnest-params.js';
import type { AuditRecord, NewMessageRecord, NewMessageResult, ReceiptRecord } from './records.js';

const MESSAGE_COLUMNS = [['id', 'uuid'], ['kind', 'text'], ['sender', 'text'], ['recipients', 'jsonb'], ['document', 'jsonb'], ['status', 'jsonb'],
  ['related_message_id', 'uuid'], ['document_id', 'text'], ['content_sha256', 'text'], ['idempotency_key', 'text'], ['created_at', 'timestamptz'],
  ['source_format', 'text'], ['business_type', 'smallint'], ['edxml', 'jsonb'], ['signature_check', 'jsonb'], ['dossier', 'jsonb']] as const;
const ATTACHMENT_COLUMNS = [['message_id', 'uuid'], ['idx', 'int'], ['name', 'text'], ['content_type', 'text'], ['description', 'text'], ['size', 'bigint'], ['sha256', 'text']] as const;
const DELIVERY_COLUMNS = [['id', 'uuid'], ['message_id', 'uuid'], ['recipient', 'text'], ['endpoint_id', 'text'], ['state', 'text'],
  ['next_attempt_at', 'timestamptz'], ['cycle_started_at', 'timestamptz'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz']] as const;
const RECEIPT_COLUMNS = [['id', 'uuid'], ['message_id', 'uuid'], ['delivery_id', 'uuid'], ['event', 'text'], ['status_code', 'text'], ['jws', 'text'], ['created_at', 'timestamptz']] as const;
const AUDIT_COLUMNS = [['at', 'timestamptz'], ['actor', 'text'], ['kind', 'text'], ['message_id', 'uuid'], ['delivery_id', 'uuid'], ['data', 'jsonb']] as const;
/** The audit columns as sent: the digest travels as hex (`decode` makes it bytea). */
const AUDIT_PARAMS = [...AUDIT_COLUMNS, ['digest', 'text']] as const;

const names = (columns: readonly (readonly [string, string])[]): string => columns.map(([name]) => name).join(', ');

/**
 * Writes a batch of accepted messages with their attachments, deliveries, receipts and audit events as
 * ONE statement (data-modifying CTEs): atomic without BEGIN/COMMIT and one round trip per batch. A
 * message that collides with an earlier one (same sender and Idempotency-Key, or same sender and
 * document id) writes nothing — its child rows carry their message's id and are filtered on the ids
 * the message INSERT returned — and is reported as a duplicate.
 *
 * The text is the same for every batch (columns travel as arrays, see {@link UnnestParams}), so the
 * server prepares it once per connection. Inline blob bytes travel as one binary parameter (all
 * blobs end to end) and are cut out by offset, never hex-encoded.
 */
export async function writeNewMessages(db: Queryable, records: readonly NewMessageRecord[]): Promise<NewMessageResult[]> {
  const sql = new UnnestParams();
  const messages = sql.unnest('x', MESSAGE_COLUMNS, records.map(({ message: m, edxml }) => [
    m.id, m.kind, m.sender, JSON.stringify(m.recipients), m.document ? JSON.stringify(m.document) : null, m.status ? JSON.stringify(m.status) : null,
    m.relatedMessageId ?? null, m.document?.documentId ?? null, m.contentSha256, m.idempotencyKey ?? null, m.createdAt,
    edxml ? 'edxml' : 'json', edxml?.businessType ?? 0, edxml ? JSON.stringify(edxml.header) : null,
    edxml?.signatureCheck !== undefined ? JSON.stringify(edxml.signatureCheck) : null, m.dossier ? JSON.stringify(m.dossier) : null]));
  const attachments = sql.unnest('x', [['owner', 'uuid'], ...ATTACHMENT_COLUMNS], records.flatMap(({ message: m }) =>
    m.attachments.map((a) => [m.id, m.id, a.index, a.name, a.contentType, a.description ?? null, a.size, a.sha256])));
  const deliveries = sql.unnest('x', [['owner', 'uuid'], ...DELIVERY_COLUMNS], records.flatMap(({ message: m, deliveries: ds }) =>
    ds.map((d) => [m.id, d.id, m.id, d.recipient, d.endpointId, 'queued', d.endpointId ? m.createdAt : null, m.createdAt, m.createdAt, m.createdAt])));
  const receipts = sql.unnest('x', [['owner', 'uuid'], ...RECEIPT_COLUMNS], records.flatMap(({ message: m, receipts: rs }) =>
    rs.map((r) => [m.id, r.id, r.messageId, r.deliveryId ?? null, r.event, r.statusCode ?? null, r.jws, r.createdAt])));
  const audit = sql.unnest('x', [['owner', 'uuid'], ...AUDIT_PARAMS], records.flatMap(({ message: m, audit: es }) =>
    es.map((e) => [m.id, ...auditInsertValues(e)])));
  const blobRows: unknown[][] = [];
  const blobBytes: Buffer[] = [];
  let offset = 1; // substring() counts from 1
  for (const { message: m, inlineBlobs } of records) {
    for (const b of inlineBlobs ?? []) {
      blobRows.push([m.id, b.sha256, b.size, offset]);
      blobBytes.push(b.data);
      offset += b.data.length;
    }
  }
  const blobs = sql.unnest('x', [['owner', 'uuid'], ['sha256', 'text'], ['size', 'bigint'], ['start', 'int']], blobRows);
  const bytes = sql.param(Buffer.concat(blobBytes));
  const statuses = sql.unnest('x', [['owner', 'uuid'], ['id', 'uuid'], ['code', 'text']], records.flatMap(({ message: m, businessStatus }) =>
    (businessStatus ? businessStatus.deliveryIds.map((id) => [m.id, id, businessStatus.code]) : [])));
  const owned = 'WHERE x.owner IN (SELECT id FROM m)';

  const inserted = await db.query<{ id: string }>(`WITH
    m AS (INSERT INTO messages (${names(MESSAGE_COLUMNS)})
      SELECT id, kind, sender, ARRAY(SELECT jsonb_array_elements_text(x.recipients)), document, status,
             related_message_id, document_id, content_sha256, idempotency_key, created_at,
             source_format, business_type, edxml, signature_check, dossier
        FROM ${messages} ON CONFLICT DO NOTHING RETURNING id),
    a AS (INSERT INTO attachments (${names(ATTACHMENT_COLUMNS)}) SELECT ${names(ATTACHMENT_COLUMNS)} FROM ${attachments} ${owned}),
    d AS (INSERT INTO deliveries (${names(DELIVERY_COLUMNS)}) SELECT ${names(DELIVERY_COLUMNS)} FROM ${deliveries} ${owned}),
    r AS (INSERT INTO receipts (${names(RECEIPT_COLUMNS)}) SELECT ${names(RECEIPT_COLUMNS)} FROM ${receipts} ${owned}),
    e AS (INSERT INTO audit_events (${names(AUDIT_COLUMNS)}, digest) SELECT ${names(AUDIT_COLUMNS)}, decode(x.digest, 'hex') FROM ${audit} ${owned}),
    b AS (INSERT INTO blobs (sha256, size, data)
      SELECT DISTINCT ON (sha256) sha256, size, substring(${bytes}::bytea FROM x.start FOR x.size::int) FROM ${blobs} ${owned}
      ON CONFLICT (sha256) DO NOTHING),
    s AS (UPDATE deliveries SET business_status = x.code, updated_at = now() FROM ${statuses} WHERE deliveries.id = x.id AND x.owner IN (SELECT id FROM m))
    SELECT id FROM m`, sql.params, { prepare: 'lienthong_write_new_messages' });

  const insertedIds = new Set(inserted.rows.map((r) => r.id));
  const results: NewMessageResult[] = [];
  for (const record of records) {
    results.push(insertedIds.has(record.message.id) ? { kind: 'inserted' } : await findCollision(db, record));
  }
  return results;
}

async function findCollision(tx: Queryable, { message: m, edxml }: NewMessageRecord): Promise<NewMessageResult> {
  if (m.idempotencyKey) {
    const { rows } = await tx.query<{ id: string; content_sha256: string }>(
      'SELECT id, content_sha256 FROM messages WHERE sender = $1 AND idempotency_key = $2', [m.sender, m.idempotencyKey]);
    const row = rows[0];
    if (row) return { kind: 'duplicate', existingId: row.id, sameContent: row.content_sha256 === m.contentSha256, by: 'idempotency-key' };
  }
  if (edxml && edxml.businessType !== 0) {
    // A revoke, update or replace may repeat its document's id; the same one twice is the same content.
    const { rows } = await tx.query<{ id: string }>(
      'SELECT id FROM messages WHERE sender = $1 AND business_type = $2 AND content_sha256 = $3', [m.sender, edxml.businessType, m.contentSha256]);
    const row = rows[0];
    if (!row) throw new Error(`message ${m.id} was not inserted but collides with nothing`);
    return { kind: 'duplicate', existingId: row.id, sameContent: true, by: 'document-id' };
  }
  const { rows } = await tx.query<{ id: string; content_sha256: string }>(
    'SELECT id, content_sha256 FROM messages WHERE sender = $1 AND document_id = $2 AND business_type = 0', [m.sender, m.document?.documentId ?? null]);
  const row = rows[0];
  if (!row) throw new Error(`message ${m.id} was not inserted but collides with nothing`);
  return { kind: 'duplicate', existingId: row.id, sameContent: row.content_sha256 === m.contentSha256, by: 'document-id' };
}

export async function writeReceipts(tx: Queryable, receipts: readonly ReceiptRecord[]): Promise<void> {
  await insertRows(tx, 'receipts', ['id', 'message_id', 'delivery_id', 'event', 'status_code', 'jws', 'created_at'],
    receipts.map((r) => [r.id, r.messageId, r.deliveryId ?? null, r.event, r.statusCode ?? null, r.jws, r.createdAt]));
}

export async function writeAudit(tx: Queryable, events: readonly AuditRecord[]): Promise<void> {
  await insertRows(tx, 'audit_events', ['at', 'actor', 'kind', 'message_id', 'delivery_id', 'data', 'digest'],
    events.map((e) => {
      const values = auditInsertValues(e);
      return [...values.slice(0, 6), Buffer.from(values[6], 'hex')];
    }));
}
