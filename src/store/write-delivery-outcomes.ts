import { auditInsertValues } from '../audit/audit-digest.js';
import type { Queryable } from './db.js';
import type { AuditRecord, ReceiptRecord } from './records.js';
import { UnnestParams } from './unnest-params.js';

export interface AttemptRecord {
  attempt: number;
  generation: number;
  startedAt: Date;
  finishedAt: Date;
  outcome: 'delivered' | 'transient' | 'permanent';
  httpStatus?: number;
  detail?: string;
}

/**
 * How one delivery attempt ended, with everything it writes. `attempt.generation` and
 * `attempt.attempt` name the claim the attempt was made under: the delivery's generation then, and
 * its attempts count then plus one.
 */
export interface DeliveryOutcomeRecord {
  deliveryId: string;
  at: Date;
  attempt: AttemptRecord;
  state: 'delivered' | 'retrying' | 'failed';
  nextAttemptAt: Date | null;
  lastError: string | null;
  /** The id the external system gave the packet (delivered outcomes). */
  remoteId?: string;
  receipt?: ReceiptRecord;
  audit: AuditRecord[];
}

/**
 * What became of one outcome. `recorded`: written. `superseded`: nothing of it was written, because
 * the delivery has moved on from the claim the attempt was made under — another job for the same
 * delivery recorded this attempt first (a job whose lock was lost while its first worker still ran),
 * or the delivery was replayed meanwhile (a new generation). The job that made it is a duplicate: it
 * ends quietly, neither retried nor failed.
 */
export type OutcomeWrite = 'recorded' | 'superseded';

/**
 * Writes a batch of attempt outcomes — delivery state, attempt rows, receipts, audit events — as ONE
 * statement (data-modifying CTEs): atomic without BEGIN/COMMIT, and one round trip per batch, which
 * matters more than anything else at a thousand deliveries per second. Its text is the same for
 * every batch (columns travel as arrays), so the server prepares it once per connection.
 *
 * A claim is not a lock: a delivery already `sending` is handed out again (see claimDeliveries), so
 * two jobs may attempt it with the same attempt number. The write is the fence: an outcome is
 * recorded only while the delivery is still `sending` in the generation and with the attempts count
 * its claim saw, and its attempt row, receipt and audit events go in only with it. The first outcome
 * of an attempt wins (in a batch, the first of the batch; across batches, PostgreSQL re-checks the
 * condition on the row the other batch committed); a later one is `superseded`, instead of failing on
 * the unique attempt index (or, without it, overwriting a `delivered`).
 *
 * @returns one result per outcome, in order.
 */
export async function writeDeliveryOutcomes(db: Queryable, outcomes: readonly DeliveryOutcomeRecord[]): Promise<OutcomeWrite[]> {
  if (outcomes.length === 0) return [];
  // A second outcome for a delivery in the same batch is superseded by the first before SQL sees it
  // (an UPDATE … FROM joining one row twice would pick either, unpredictably).
  const offered: { o: DeliveryOutcomeRecord; ord: number }[] = [];
  const seen = new Set<string>();
  outcomes.forEach((o, ord) => {
    if (seen.has(o.deliveryId)) return;
    seen.add(o.deliveryId);
    offered.push({ o, ord });
  });
  const sql = new UnnestParams();
  const updates = sql.unnest('v', [['ord', 'int'], ['id', 'uuid'], ['generation', 'int'], ['state', 'text'], ['attempts', 'int'], ['next_at', 'timestamptz'], ['last_error', 'text'], ['delivered_at', 'timestamptz'], ['at', 'timestamptz'], ['remote_id', 'text']],
    offered.map(({ o, ord }) => [ord, o.deliveryId, o.attempt.generation, o.state, o.attempt.attempt, o.nextAttemptAt, o.lastError, o.state === 'delivered' ? o.at : null, o.at, o.remoteId ?? null]));
  const attempts = sql.unnest('x', [['ord', 'int'], ['delivery_id', 'uuid'], ['generation', 'int'], ['attempt', 'int'], ['started_at', 'timestamptz'], ['finished_at', 'timestamptz'], ['outcome', 'text'], ['http_status', 'int'], ['detail', 'text']],
    offered.map(({ o, ord }) => [ord, o.deliveryId, o.attempt.generation, o.attempt.attempt, o.attempt.startedAt, o.attempt.finishedAt, o.attempt.outcome, o.attempt.httpStatus ?? null, o.attempt.detail ?? null]));
  const receipts = sql.unnest('x', [['ord', 'int'], ['id', 'uuid'], ['message_id', 'uuid'], ['delivery_id', 'uuid'], ['event', 'text'], ['status_code', 'text'], ['jws', 'text'], ['created_at', 'timestamptz']],
    offered.flatMap(({ o, ord }) => (o.receipt ? [[ord, o.receipt.id, o.receipt.messageId, o.receipt.deliveryId ?? null, o.receipt.event, o.receipt.statusCode ?? null, o.receipt.jws, o.receipt.createdAt]] : [])));
  const audit = sql.unnest('x', [['ord', 'int'], ['at', 'timestamptz'], ['actor', 'text'], ['kind', 'text'], ['message_id', 'uuid'], ['delivery_id', 'uuid'], ['data', 'jsonb'], ['digest', 'text']],
    offered.flatMap(({ o, ord }) => o.audit.map((event) => [ord, ...auditInsertValues(event)])));
  const { rows } = await db.query<{ ord: number }>(`WITH
    u AS (UPDATE deliveries d SET state = v.state, attempts = v.attempts, next_attempt_at = v.next_at, last_error = v.last_error,
            delivered_at = COALESCE(v.delivered_at, d.delivered_at), remote_id = COALESCE(v.remote_id, d.remote_id),
            failed_at = CASE WHEN v.state = 'failed' THEN v.at ELSE d.failed_at END, updated_at = v.at
          FROM ${updates}
          WHERE d.id = v.id AND d.state = 'sending' AND d.generation = v.generation AND d.attempts = v.attempts - 1
          RETURNING v.ord),
    a AS (INSERT INTO delivery_attempts (delivery_id, generation, attempt, started_at, finished_at, outcome, http_status, detail)
            SELECT delivery_id, generation, attempt, started_at, finished_at, outcome, http_status, detail FROM ${attempts} WHERE x.ord IN (SELECT ord FROM u)),
    r AS (INSERT INTO receipts (id, message_id, delivery_id, event, status_code, jws, created_at)
            SELECT id, message_id, delivery_id, event, status_code, jws, created_at FROM ${receipts} WHERE x.ord IN (SELECT ord FROM u)),
    e AS (INSERT INTO audit_events (at, actor, kind, message_id, delivery_id, data, digest)
            SELECT at, actor, kind, message_id, delivery_id, data, decode(digest, 'hex') FROM ${audit} WHERE x.ord IN (SELECT ord FROM u))
    SELECT ord FROM u`,
  sql.params, { prepare: 'lienthong_write_delivery_outcomes_v2' });
  const recorded = new Set(rows.map((r) => r.ord));
  return outcomes.map((_, ord) => (recorded.has(ord) ? 'recorded' : 'superseded'));
}
