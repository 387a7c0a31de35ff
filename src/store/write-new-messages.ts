import type { Queryable } from './db.js';
import { insertRows } from './insert-rows.js';
import type { AuditRecord, NewMessageRecord, NewMessageResult, ReceiptRecord } from './records.js';

/**
 * Writes a batch of accepted messages with their attachments, deliveries, receipts and audit events
 * in the caller's transaction. A message that collides with an earlier one (same sender and
 * Idempotency-Key, or same sender and document id) writes nothing and is reported as a duplicate.
 */
export async function writeNewMessages(tx: Queryable, records: readonly NewMessageRecord[]): Promise<NewMessageResult[]> {
  // 1. Messages, skipping collisions.
  const inserted = await insertRows<{ id: string }>(
    tx,
    'messages',
    ['id', 'kind', 'sender', 'recipients', 'document', 'status', 'related_message_id', 'document_id', 'content_sha256', 'idempotency_key', 'created_at'],
    records.map(({ message: m }) => [
      m.id, m.kind, m.sender, m.recipients,
      m.document ? JSON.stringify(m.document) : null,
      m.status ? JSON.stringify(m.status) : null,
      m.relatedMessageId ?? null, m.document?.documentId ?? null, m.contentSha256, m.idempotencyKey ?? null, m.createdAt,
    ]),
    'ON CONFLICT DO NOTHING RETURNING id',
  );
  const insertedIds = new Set(inserted.rows.map((r) => r.id));
  const results: NewMessageResult[] = [];
  const fresh: NewMessageRecord[] = [];
  for (const record of records) {
    if (insertedIds.has(record.message.id)) {
      results.push({ kind: 'inserted' });
      fresh.push(record);
    } else {
      results.push(await findCollision(tx, record));
    }
  }

  // 2. Children of the messages that went in.
  await insertRows(tx, 'attachments', ['message_id', 'idx', 'name', 'content_type', 'description', 'size', 'sha256'],
    fresh.flatMap(({ message: m }) => m.attachments.map((a) => [m.id, a.index, a.name, a.contentType, a.description ?? null, a.size, a.sha256])));
  await insertRows(tx, 'deliveries', ['id', 'message_id', 'recipient', 'endpoint_id', 'state', 'next_attempt_at', 'cycle_started_at', 'created_at', 'updated_at'],
    fresh.flatMap(({ message: m, deliveries }) =>
      deliveries.map((d) => [d.id, m.id, d.recipient, d.endpointId, 'queued', d.endpointId ? m.createdAt : null, m.createdAt, m.createdAt, m.createdAt])));
  await writeReceipts(tx, fresh.flatMap((r) => r.receipts));
  await writeAudit(tx, fresh.flatMap((r) => r.audit));
  for (const { businessStatus } of fresh) {
    if (businessStatus) {
      await tx.query('UPDATE deliveries SET business_status = $2, updated_at = now() WHERE id = $1', [businessStatus.deliveryId, businessStatus.code]);
    }
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
