import type { Queryable } from './db.js';
import type { AuditRecord, ReceiptRecord } from './records.js';
import { SqlParams } from './sql-values.js';

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
  receipt?: ReceiptRecord;
  audit: AuditRecord[];
}

/**
 * Writes a batch of attempt outcomes — delivery state, attempt rows, receipts, audit events — as ONE
 * statement (data-modifying CTEs): atomic without BEGIN/COMMIT, and one round trip per batch, which
 * matters more than anything else at a thousand deliveries per second.
 */
export async function writeDeliveryOutcomes(db: Queryable, outcomes: readonly DeliveryOutcomeRecord[]): Promise<void> {
  if (outcomes.length === 0) return;
  const sql = new SqlParams();
  const updates = sql.values(
    outcomes.map((o) => [o.deliveryId, o.state, o.attempt.attempt, o.nextAttemptAt, o.lastError, o.state === 'delivered' ? o.at : null, o.at]),
    ['uuid', 'text', 'int', 'timestamptz', 'text', 'timestamptz', 'timestamptz']);
  const attempts = sql.values(outcomes.map((o) => [
    o.deliveryId, o.attempt.generation, o.attempt.attempt, o.attempt.startedAt, o.attempt.finishedAt, o.attempt.outcome, o.attempt.httpStatus ?? null, o.attempt.detail ?? null]));
  const receipts = outcomes.flatMap((o) => (o.receipt ? [o.receipt] : []));
  const audit = outcomes.flatMap((o) => o.audit);
  const parts = [
    `u AS (UPDATE deliveries d SET state = v.state, attempts = v.attempts, next_attempt_at = v.next_at, last_error = v.last_error,
              delivered_at = COALESCE(v.delivered_at, d.delivered_at),
              failed_at = CASE WHEN v.state = 'failed' THEN v.at ELSE d.failed_at END, updated_at = v.at
         FROM (VALUES ${updates}) AS v(id, state, attempts, next_at, last_error, delivered_at, at) WHERE d.id = v.id)`,
    `a AS (INSERT INTO delivery_attempts (delivery_id, generation, attempt, started_at, finished_at, outcome, http_status, detail) VALUES ${attempts})`,
  ];
  if (receipts.length > 0) {
    parts.push(`r AS (INSERT INTO receipts (id, message_id, delivery_id, event, status_code, jws, created_at) VALUES ${sql.values(
      receipts.map((r) => [r.id, r.messageId, r.deliveryId ?? null, r.event, r.statusCode ?? null, r.jws, r.createdAt]))})`);
  }
  const auditValues = sql.values(audit.map((e) => [e.at, e.actor, e.kind, e.messageId ?? null, e.deliveryId ?? null, JSON.stringify(e.data ?? {})]));
  await db.query(`WITH ${parts.join(',\n')}
    INSERT INTO audit_events (at, actor, kind, message_id, delivery_id, data) VALUES ${auditValues}`, sql.params);
}
