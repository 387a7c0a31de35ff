import type { Queryable } from './db.js';
import { insertRows } from './insert-rows.js';
import type { AuditRecord, ReceiptRecord } from './records.js';
import { writeAudit, writeReceipts } from './write-new-messages.js';

export interface AttemptRecord {
  attempt: number;
  generation: number;
  startedAt: Date;
  finishedAt: Date;
  outcome: 'delivered' | 'transient' | 'permanent';
  httpStatus?: number;
  detail?: string;
}

/** What the worker writes about one delivery: that it started sending, or how an attempt ended. */
export type DeliveryProgress =
  | { op: 'sending'; deliveryId: string; at: Date }
  | {
      op: 'outcome';
      deliveryId: string;
      at: Date;
      attempt: AttemptRecord;
      state: 'delivered' | 'retrying' | 'failed';
      nextAttemptAt: Date | null;
      lastError: string | null;
      receipt?: ReceiptRecord;
      audit: AuditRecord[];
    };

/** Writes a batch of progress in the caller's transaction: `sending` marks first, then outcomes. */
export async function writeDeliveryProgress(tx: Queryable, items: readonly DeliveryProgress[]): Promise<void> {
  const sending = items.filter((i): i is Extract<DeliveryProgress, { op: 'sending' }> => i.op === 'sending');
  const outcomes = items.filter((i): i is Extract<DeliveryProgress, { op: 'outcome' }> => i.op === 'outcome');
  if (sending.length > 0) {
    // Guarded: a late mark never overwrites a state the delivery has already moved past.
    await tx.query(
      `UPDATE deliveries SET state = 'sending', updated_at = $2 WHERE id = ANY($1::uuid[]) AND state IN ('queued', 'retrying')`,
      [sending.map((s) => s.deliveryId), sending[sending.length - 1]!.at]);
  }
  if (outcomes.length === 0) return;

  const params: unknown[] = [];
  const tuples = outcomes.map((o) => {
    const base = params.length;
    params.push(o.deliveryId, o.state, o.attempt.attempt, o.nextAttemptAt, o.lastError, o.state === 'delivered' ? o.at : null, o.at);
    return `($${base + 1}::uuid, $${base + 2}::text, $${base + 3}::int, $${base + 4}::timestamptz, $${base + 5}::text, $${base + 6}::timestamptz, $${base + 7}::timestamptz)`;
  });
  await tx.query(
    `UPDATE deliveries d SET state = v.state, attempts = v.attempts, next_attempt_at = v.next_at, last_error = v.last_error,
            delivered_at = COALESCE(v.delivered_at, d.delivered_at), updated_at = v.at
       FROM (VALUES ${tuples.join(',')}) AS v(id, state, attempts, next_at, last_error, delivered_at, at)
      WHERE d.id = v.id`,
    params);
  await insertRows(tx, 'delivery_attempts', ['delivery_id', 'generation', 'attempt', 'started_at', 'finished_at', 'outcome', 'http_status', 'detail'],
    outcomes.map((o) => [o.deliveryId, o.attempt.generation, o.attempt.attempt, o.attempt.startedAt, o.attempt.finishedAt, o.attempt.outcome, o.attempt.httpStatus ?? null, o.attempt.detail ?? null]));
  await writeReceipts(tx, outcomes.flatMap((o) => (o.receipt ? [o.receipt] : [])));
  await writeAudit(tx, outcomes.flatMap((o) => o.audit));
}
