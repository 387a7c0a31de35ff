import type { Queryable } from './db.js';
import { MESSAGE_COLUMNS, rowToMessage, type MessageRow } from './message-row.js';
import type { Message } from '../domain/message.js';

export interface DeliveryView {
  id: string;
  recipient: string;
  endpoint: string | null;
  mode: 'push' | 'pull';
  state: string;
  businessStatus: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  deliveredAt: string | null;
  attemptLog: { generation: number; attempt: number; startedAt: string; finishedAt: string; outcome: string; httpStatus: number | null; detail: string | null }[];
}

export interface MessageView {
  message: Message;
  deliveries: DeliveryView[];
  timeline: { at: string; kind: string; actor: string; deliveryId: string | null; data: Record<string, unknown> }[];
}

export async function readMessage(db: Queryable, id: string): Promise<Message | undefined> {
  const { rows } = await db.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = $1`, [id]);
  return rows[0] ? rowToMessage(rows[0]) : undefined;
}

/** A message with per-recipient delivery state, attempts and the audit timeline (optionally one recipient only). */
export async function readMessageView(db: Queryable, id: string, onlyRecipient?: string): Promise<MessageView | undefined> {
  const message = await readMessage(db, id);
  if (!message) return undefined;
  const deliveries = await db.query<{
    id: string; recipient: string; endpoint_id: string | null; state: string; business_status: string | null; attempts: number;
    next_attempt_at: Date | null; last_error: string | null; delivered_at: Date | null;
  }>(`SELECT id, recipient, endpoint_id, state, business_status, attempts, next_attempt_at, last_error, delivered_at
        FROM deliveries WHERE message_id = $1 AND ($2::text IS NULL OR recipient = $2) ORDER BY recipient`, [id, onlyRecipient ?? null]);
  const ids = deliveries.rows.map((d) => d.id);
  const attempts = await db.query<{ delivery_id: string; generation: number; attempt: number; started_at: Date; finished_at: Date; outcome: string; http_status: number | null; detail: string | null }>(
    `SELECT delivery_id, generation, attempt, started_at, finished_at, outcome, http_status, detail FROM delivery_attempts
      WHERE delivery_id = ANY($1::uuid[]) ORDER BY id`, [ids]);
  const timeline = await db.query<{ at: Date; kind: string; actor: string; delivery_id: string | null; data: Record<string, unknown> }>(
    `SELECT at, kind, actor, delivery_id, data FROM audit_events WHERE message_id = $1
        AND ($2::text IS NULL OR delivery_id IS NULL OR delivery_id = ANY($3::uuid[])) ORDER BY id`, [id, onlyRecipient ?? null, ids]);
  return {
    message,
    deliveries: deliveries.rows.map((d) => ({
      id: d.id, recipient: d.recipient, endpoint: d.endpoint_id, mode: d.endpoint_id ? 'push' : 'pull', state: d.state,
      businessStatus: d.business_status, attempts: d.attempts, nextAttemptAt: d.next_attempt_at?.toISOString() ?? null,
      lastError: d.last_error, deliveredAt: d.delivered_at?.toISOString() ?? null,
      attemptLog: attempts.rows.filter((a) => a.delivery_id === d.id).map((a) => ({
        generation: a.generation, attempt: a.attempt, startedAt: a.started_at.toISOString(), finishedAt: a.finished_at.toISOString(),
        outcome: a.outcome, httpStatus: a.http_status, detail: a.detail,
      })),
    })),
    timeline: timeline.rows.map((t) => ({ at: t.at.toISOString(), kind: t.kind, actor: t.actor, deliveryId: t.delivery_id, data: t.data })),
  };
}
