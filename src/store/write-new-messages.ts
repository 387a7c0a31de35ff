import type { Queryable } from './db.js';
import { insertRows } from './insert-rows.js';
import { SqlParams } from './sql-values.js';
import type { AuditRecord, NewMessageRecord, NewMessageResult, ReceiptRecord } from './records.js';

/**
 * Writes a batch of accepted messages with their attachments, deliveries, receipts and audit events as
 * ONE statement (data-modifying CTEs): atomic without BEGIN/COMMIT and one round trip per batch. A
 * message that collides with an earlier one (same sender and Idempotency-Key, or same sender and
 * document id) writes nothing — its child rows are filtered on the ids the message INSERT returned —
 * and is reported as a duplicate.
 */
export async function writeNewMessages(db: Queryable, records: readonly NewMessageRecord[]): Promise<NewMessageResult[]> {
  const sql = new SqlParams();
  const parts = [`m AS (INSERT INTO messages (id, kind, sender, recipients, document, status, related_message_id, document_id, content_sha256, idempotency_key, created_at)
    VALUES ${sql.values(records.map(({ message: m }) => [
      m.id, m.kind, m.sender, m.recipients, m.document ? JSON.stringify(m.document) : null, m.status ? JSON.stringify(m.status) : null,
      m.relatedMessageId ?? null, m.document?.documentId ?? null, m.contentSha256, m.idempotencyKey ?? null, m.createdAt]))}
    ON CONFLICT DO NOTHING RETURNING id)`];
  // Each child row carries its owner (the new message) first: only owners that went in get children.
  const child = (name: string, table: string, columns: string[], casts: string[], rows: unknown[][]): void => {
    if (rows.length === 0) return;
    parts.push(`${name} AS (INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.join(', ')}
      FROM (VALUES ${sql.values(rows, ['uuid', ...casts])}) AS x(owner, ${columns.join(', ')}) WHERE x.owner IN (SELECT id FROM m))`);
  };
  child('a', 'attachments', ['message_id', 'idx', 'name', 'content_type', 'description', 'size', 'sha256'], ['uuid', 'int', 'text', 'text', 'text', 'bigint', 'text'],
    records.flatMap(({ message: m }) => m.attachments.map((a) => [m.id, m.id, a.index, a.name, a.contentType, a.description ?? null, a.size, a.sha256])));
  child('d', 'deliveries', ['id', 'message_id', 'recipient', 'endpoint_id', 'state', 'next_attempt_at', 'cycle_started_at', 'created_at', 'updated_at'],
    ['uuid', 'uuid', 'text', 'text', 'text', 'timestamptz', 'timestamptz', 'timestamptz', 'timestamptz'],
    records.flatMap(({ message: m, deliveries }) => deliveries.map((d) =>
      [m.id, d.id, m.id, d.recipient, d.endpointId, 'queued', d.endpointId ? m.createdAt : null, m.createdAt, m.createdAt, m.createdAt])));
  child('r', 'receipts', ['id', 'message_id', 'delivery_id', 'event', 'status_code', 'jws', 'created_at'], ['uuid', 'uuid', 'uuid', 'text', 'text', 'text', 'timestamptz'],
    records.flatMap(({ message: m, receipts }) => receipts.map((r) => [m.id, r.id, r.messageId, r.deliveryId ?? null, r.event, r.statusCode ?? null, r.jws, r.createdAt])));
  child('e', 'audit_events', ['at', 'actor', 'kind', 'message_id', 'delivery_id', 'data'], ['timestamptz', 'text', 'text', 'uuid', 'uuid', 'jsonb'],
    records.flatMap(({ message: m, audit }) => audit.map((e) => [m.id, e.at, e.actor, e.kind, e.messageId ?? null, e.deliveryId ?? null, JSON.stringify(e.data ?? {})])));
  const blobs = records.flatMap(({ message: m, inlineBlobs }) => (inlineBlobs ?? []).map((b) => [m.id, b.sha256, b.size, b.data]));
  if (blobs.length > 0) {
    parts.push(`b AS (INSERT INTO blobs (sha256, size, data) SELECT DISTINCT ON (sha256) sha256, size, data
      FROM (VALUES ${sql.values(blobs, ['uuid', 'text', 'bigint', 'bytea'])}) AS x(owner, sha256, size, data)
      WHERE x.owner IN (SELECT id FROM m) ON CONFLICT (sha256) DO NOTHING)`);
  }
  const statuses = records.flatMap(({ message: m, businessStatus }) => (businessStatus ? [[m.id, businessStatus.deliveryId, businessStatus.code]] : []));
  if (statuses.length > 0) {
    parts.push(`s AS (UPDATE deliveries SET business_status = x.code, updated_at = now()
      FROM (VALUES ${sql.values(statuses, ['uuid', 'uuid', 'text'])}) AS x(owner, id, code)
      WHERE deliveries.id = x.id AND x.owner IN (SELECT id FROM m))`);
  }
  const inserted = await db.query<{ id: string }>(`WITH ${parts.join(',\n')} SELECT id FROM m`, sql.params);

  const insertedIds = new Set(inserted.rows.map((r) => r.id));
  const results: NewMessageResult[] = [];
  for (const record of records) {
    results.push(insertedIds.has(record.message.id) ? { kind: 'inserted' } : await findCollision(db, record));
  }
  return results;
}

async function findCollision(tx: Queryable, { message: m }: NewMessageRecord): Promise<NewMessageResult> {
  if (m.idempotencyKey) {
    const { rows } = await tx.query<{ id: string; content_sha256: string }>(
      'SELECT id, content_sha256 FROM messages WHERE sender = $1 AND idempotency_key = $2', [m.sender, m.idempotencyKey]);
    const row = rows[0];
    if (row) return { kind: 'duplicate', existingId: row.id, sameContent: row.content_sha256 === m.contentSha256, by: 'idempotency-key' };
  }
  const { rows } = await tx.query<{ id: string; content_sha256: string }>(
    'SELECT id, content_sha256 FROM messages WHERE sender = $1 AND document_id = $2', [m.sender, m.document?.documentId ?? null]);
  const row = rows[0];
  if (!row) throw new Error(`message ${m.id} was not inserted but collides with nothing`);
  return { kind: 'duplicate', existingId: row.id, sameContent: row.content_sha256 === m.contentSha256, by: 'document-id' };
}

export async function writeReceipts(tx: Queryable, receipts: readonly ReceiptRecord[]): Promise<void> {
  await insertRows(tx, 'receipts', ['id', 'message_id', 'delivery_id', 'event', 'status_code', 'jws', 'created_at'],
    receipts.map((r) => [r.id, r.messageId, r.deliveryId ?? null, r.event, r.statusCode ?? null, r.jws, r.createdAt]));
}

export async function writeAudit(tx: Queryable, events: readonly AuditRecord[]): Promise<void> {
  await insertRows(tx, 'audit_events', ['at', 'actor', 'kind', 'message_id', 'delivery_id', 'data'],
    events.map((e) => [e.at, e.actor, e.kind, e.messageId ?? null, e.deliveryId ?? null, JSON.stringify(e.data ?? {})]));
}
