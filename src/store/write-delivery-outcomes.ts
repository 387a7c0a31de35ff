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

/** How one delivery attempt ended, with everything it writes. */
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
 * Writes a batch of attempt outcomes — delivery state, attempt rows, receipts, audit events — as ONE
 * statement (data-modifying CTEs): atomic without BEGIN/COMMIT, and one round trip per batch, which
 * matters more than anything else at a thousand deliveries per second. Its text is the same for
 * every batch (columns travel as arrays), so the server prepares it once per connection.
 */
export async function writeDeliveryOutcomes(db: Queryable, outcomes: readonly DeliveryOutcomeRecord[]): Promise<void> {
  if (outcomes.length === 0) return;
  const sql = new UnnestParams();
  const updates = sql.unnest('v', [['id', 'uuid'], ['state', 'text'], ['attempts', 'int'], ['next_at', 'timestamptz'], ['last_error', 'text'], ['delivered_at', 'timestamptz'], ['at', 'timestamptz'], ['remote_id', 'text']],
    outcomes.map((o) => [o.deliveryId, o.state, o.attempt.attempt, o.nextAttemptAt, o.lastError, o.state === 'delivered' ? o.at : null, o.at, o.remoteId ?? null]));
  const attempts = sql.unnest('x', [['delivery_id', 'uuid'], ['generation', 'int'], ['attempt', 'int'], ['started_at', 'timestamptz'], ['finished_at', 'timestamptz'], ['outcome', 'text'], ['http_status', 'int'], ['detail', 'text']],
    outcomes.map((o) => [o.deliveryId, o.attempt.generation, o.attempt.attempt, o.attempt.startedAt, o.attempt.finishedAt, o.attempt.outcome, o.attempt.httpStatus ?? null, o.attempt.detail ?? null]));
  const receipts = sql.unnest('x', [['id', 'uuid'], ['message_id', 'uuid'], ['delivery_id', 'uuid'], ['event', 'text'], ['status_code', 'text'], ['jws', 'text'], ['created_at', 'timestamptz']],
    outcomes.flatMap((o) => (o.receipt ? [[o.receipt.id, o.receipt.messageId, o.receipt.deliveryId ?? null, o.receipt.event, o.receipt.statusCode ?? null, o.receipt.jws, o.receipt.createdAt]] : [])));
  const audit = sql.unnest('x', [['at', 'timestamptz'], ['actor', 'text'], ['kind', 'text'], ['message_id', 'uuid'], ['delivery_id', 'uuid'], ['data', 'jsonb'], ['digest', 'text']],
    outcomes.flatMap((o) => o.audit.map(auditInsertValues)));
  await db.query(`WITH
    u AS (UPDATE deliveries d SET state = v.state, attempts = v.attempts, next_attempt_at = v.next_at, last_error = v.last_error,
            delivered_at = COALESCE(v.delivered_at, d.delivered_at), remote_id = COALESCE(v.remote_id, d.remote_id),
            failed_at = CASE WHEN v.state = 'failed' THEN v.at ELSE d.failed_at END, updated_at = v.at
          FROM ${updates} WHERE d.id = v.id),
    a AS (INSERT INTO delivery_attempts (delivery_id, generation, attempt, started_at, finished_at, outcome, http_status, detail) SELECT * FROM ${attempts}),
    r AS (INSERT INTO receipts (id, message_id, delivery_id, event, status_code, jws, created_at) SELECT * FROM ${receipts})
    INSERT INTO audit_events (at, actor, kind, message_id, delivery_id, data, digest)
      SELECT at, actor, kind, message_id, delivery_id, data, decode(digest, 'hex') FROM ${audit}`,
  sql.params, { prepare: 'lienthong_write_delivery_outcomes' });
}
