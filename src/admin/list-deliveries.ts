import { decodeAuditCursor, encodeAuditCursor } from '../auditor/audit-cursor.js';
import { isoMicros } from '../auditor/audit-sql.js';
import { SqlParams } from '../auditor/sql-params.js';
import type { Queryable } from '../store/db.js';
import { filterConditions, filterDigest, type DeliveryFilter } from './delivery-filter.js';

/** A push delivery as the operations API lists it. Times are UTC ISO 8601 with microseconds. */
export interface OpsDelivery {
  id: string;
  messageId: string;
  messageKind: string;
  sender: string;
  recipient: string;
  endpoint: string;
  state: string;
  attempts: number;
  /** Bumped by every replay (part of the job id). */
  generation: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
  failedAt: string | null;
  documentNumber: string | null;
  documentNotation: string | null;
  subject: string | null;
  /** Its endpoint is paused now: it waits for the resume. */
  endpointPaused: boolean;
}

/** `created`: newest accepted first (or oldest with `asc`); `failed`: most recently failed first. */
export type DeliveryListOrder = 'created' | 'failed';

export interface DeliveryListRequest {
  filter: DeliveryFilter;
  sort: DeliveryListOrder;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

interface Row {
  id: string; message_id: string; message_kind: string; sender: string; recipient: string; endpoint_id: string; state: string; attempts: number;
  generation: number; last_error: string | null; next_attempt_at: string | null; created_at: string; updated_at: string; failed_at: string | null;
  document_number: string | null; document_notation: string | null; subject: string | null; endpoint_paused: boolean; sort_at: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One keyset page of deliveries needing an operator's eye (failed, retrying, waiting): one plain
 * SELECT, no locks. The key is (time, id) on acceptance or failure time — columns that do not move
 * while a delivery waits, so pages neither skip nor repeat rows as the worker updates them.
 *
 * @throws HUB_ERR_INVALID_CURSOR for a cursor not issued for this filter, order and sort.
 */
export async function listDeliveries(db: Queryable, request: DeliveryListRequest): Promise<{ items: OpsDelivery[]; nextCursor: string | null }> {
  const time = request.sort === 'failed' ? 'd.failed_at' : 'd.created_at';
  const digest = filterDigest(`ops-deliveries-${request.sort}`, request.filter, request.order);
  const after = request.cursor !== undefined ? decodeAuditCursor(request.cursor, digest, (id) => UUID.test(id)) : undefined;
  const params = new SqlParams();
  const where = filterConditions(params, request.filter, time);
  if (request.sort === 'failed') where.push('d.failed_at IS NOT NULL');
  const dir = request.order === 'desc' ? 'DESC' : 'ASC';
  if (after) where.push(`(${time}, d.id) ${request.order === 'desc' ? '<' : '>'} (${params.add(after.at, 'timestamptz')}, ${params.add(after.id, 'uuid')})`);
  const limit = params.add(request.limit + 1, 'int');
  const { rows } = await db.query<Row>(
    `SELECT d.id, d.message_id, m.kind AS message_kind, m.sender, d.recipient, d.endpoint_id, d.state, d.attempts, d.generation, d.last_error,
            ${isoMicros('d.next_attempt_at')} AS next_attempt_at, ${isoMicros('d.created_at')} AS created_at, ${isoMicros('d.updated_at')} AS updated_at,
            ${isoMicros('d.failed_at')} AS failed_at, m.document ->> 'number' AS document_number, m.document ->> 'notation' AS document_notation,
            m.document ->> 'subject' AS subject, EXISTS (SELECT 1 FROM endpoint_pauses p WHERE p.endpoint_id = d.endpoint_id) AS endpoint_paused,
            ${isoMicros(time)} AS sort_at
       FROM deliveries d JOIN messages m ON m.id = d.message_id
      WHERE ${where.join(' AND ')}
      ORDER BY ${time} ${dir}, d.id ${dir} LIMIT ${limit}`, params.values);
  const page = rows.slice(0, request.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toItem),
    nextCursor: rows.length > request.limit && last ? encodeAuditCursor({ at: last.sort_at, id: last.id }, digest) : null,
  };
}

function toItem(r: Row): OpsDelivery {
  return {
    id: r.id, messageId: r.message_id, messageKind: r.message_kind, sender: r.sender, recipient: r.recipient, endpoint: r.endpoint_id,
    state: r.state, attempts: r.attempts, generation: r.generation, lastError: r.last_error, nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at, updatedAt: r.updated_at, failedAt: r.failed_at, documentNumber: r.document_number,
    documentNotation: r.document_notation, subject: r.subject, endpointPaused: r.endpoint_paused,
  };
}
