import type { Logger } from 'pino';
import { isoMicros } from '../auditor/audit-sql.js';
import { hubError } from '../errors.js';
import type { DeliveryEnqueuer } from '../queue/delivery-enqueuer.js';
import type { Db, Queryable } from '../store/db.js';
import { writeAudit } from '../store/write-new-messages.js';
import { assertEndpointExists } from './resend-deliveries.js';

/** An operator's pause of an endpoint, as stored in `endpoint_pauses`. */
export interface EndpointPause {
  endpoint: string;
  pausedAt: string;
  pausedBy: string;
  reason: string;
}

export interface ResumeResult {
  endpoint: string;
  pausedAt: string;
  resumedAt: string;
  pausedForMs: number;
  /** Waiting deliveries queued again, oldest first. */
  requeued: number;
  /** Of those, the ones Redis did not take now (the sweeper queues them). */
  queueDeferred: number;
}

/** Deliveries re-queued per statement on resume. */
export const RESUME_BATCH = 500;

// Waiting push deliveries of one endpoint (`deliveries_pending` keeps them apart from the rest).
const WAITING = `d.endpoint_id = $1 AND d.next_attempt_at IS NOT NULL AND d.state IN ('queued', 'sending', 'retrying')`;

interface PauseRow { endpoint_id: string; paused_at: Date; paused_by: string; reason: string }

const toPause = (r: PauseRow): EndpointPause => ({ endpoint: r.endpoint_id, pausedAt: r.paused_at.toISOString(), pausedBy: r.paused_by, reason: r.reason });

async function countWaiting(db: Queryable, endpointId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries d WHERE ${WAITING}`, [endpointId]);
  return rows[0]?.n ?? 0;
}

/** Every paused endpoint. */
export async function readPauses(db: Queryable): Promise<Map<string, EndpointPause>> {
  const { rows } = await db.query<PauseRow>('SELECT endpoint_id, paused_at, paused_by, reason FROM endpoint_pauses');
  return new Map(rows.map((r) => [r.endpoint_id, toPause(r)]));
}

/**
 * Pauses deliveries to an endpoint: a row in `endpoint_pauses` and an `endpoint.paused` audit event,
 * one transaction. Workers see it within about a second and set the endpoint's jobs aside unattempted
 * (attempts, give-up window and state untouched); deliveries accepted meanwhile wait too.
 *
 * @throws HUB_ERR_NOT_FOUND for an endpoint the configuration does not have; HUB_ERR_ALREADY_PAUSED.
 */
export async function pauseEndpoint(db: Db, endpointId: string, actor: string, reason: string, now: Date): Promise<EndpointPause & { waiting: number }> {
  return db.transaction(async (tx) => {
    await assertEndpointExists(tx, endpointId);
    const { rows } = await tx.query<PauseRow>(
      `INSERT INTO endpoint_pauses (endpoint_id, paused_at, paused_by, reason) VALUES ($1, $2, $3, $4)
       ON CONFLICT (endpoint_id) DO NOTHING RETURNING endpoint_id, paused_at, paused_by, reason`, [endpointId, now, actor, reason]);
    if (!rows[0]) {
      const existing = (await tx.query<PauseRow>('SELECT endpoint_id, paused_at, paused_by, reason FROM endpoint_pauses WHERE endpoint_id = $1', [endpointId])).rows[0];
      const pause = existing ? toPause(existing) : undefined;
      throw hubError('HUB_ERR_ALREADY_PAUSED', [endpointId, pause?.pausedAt ?? '?', pause?.pausedBy ?? '?'], pause);
    }
    const waiting = await countWaiting(tx, endpointId);
    await writeAudit(tx, [{ at: now, actor, kind: 'endpoint.paused', data: { endpoint: endpointId, reason, waiting } }]);
    return { ...toPause(rows[0]), waiting };
  });
}

/**
 * Resumes an endpoint: deletes its pause with an `endpoint.resumed` audit event (one transaction),
 * then queues its waiting deliveries again, oldest first, in batches of {@link RESUME_BATCH}. The
 * time spent paused does not count against a delivery's give-up window (its cycle start moves
 * forward by it), and an overdue delivery is due now; one scheduled later keeps its time.
 *
 * @throws HUB_ERR_NOT_FOUND for an endpoint the configuration does not have; HUB_ERR_NOT_PAUSED.
 */
export async function resumeEndpoint(db: Db, enqueuer: DeliveryEnqueuer, endpointId: string, actor: string, now: Date, log: Logger): Promise<ResumeResult> {
  const pause = await db.transaction(async (tx) => {
    const { rows } = await tx.query<PauseRow>('DELETE FROM endpoint_pauses WHERE endpoint_id = $1 RETURNING endpoint_id, paused_at, paused_by, reason', [endpointId]);
    if (!rows[0]) {
      await assertEndpointExists(tx, endpointId);
      throw hubError('HUB_ERR_NOT_PAUSED', [endpointId]);
    }
    const waiting = await countWaiting(tx, endpointId);
    const pausedForMs = now.getTime() - rows[0].paused_at.getTime();
    await writeAudit(tx, [{ at: now, actor, kind: 'endpoint.resumed', data: { endpoint: endpointId, pausedAt: rows[0].paused_at.toISOString(), pausedForMs, waiting } }]);
    return rows[0];
  });

  const result: ResumeResult = {
    endpoint: endpointId, pausedAt: pause.paused_at.toISOString(), resumedAt: now.toISOString(), pausedForMs: now.getTime() - pause.paused_at.getTime(), requeued: 0, queueDeferred: 0,
  };
  let after: { at: string; id: string } | undefined;
  for (;;) {
    const rows = await requeueBatch(db, endpointId, pause.paused_at, now, after);
    if (rows.length === 0) break;
    // RETURNING gives no order: queue in acceptance order, so the oldest go first.
    rows.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1));
    try {
      await enqueuer.enqueue(rows.map((r) => ({ deliveryId: r.id, endpointId, generation: r.generation, delayMs: Math.max(0, r.next_attempt_at.getTime() - now.getTime()) })));
    } catch (err) {
      result.queueDeferred += rows.length;
      log.warn({ err: (err as Error).message, endpoint: endpointId }, 'resumed deliveries not queued now: the sweeper will queue them');
    }
    result.requeued += rows.length;
    const last = rows[rows.length - 1]!;
    after = { at: last.created_at, id: last.id };
    if (rows.length < RESUME_BATCH) break;
  }
  log.info({ endpoint: endpointId, requeued: result.requeued, pausedForMs: result.pausedForMs }, 'endpoint resumed');
  return result;
}

/**
 * The next batch of the endpoint's waiting deliveries (keyset on acceptance time, id), moved on: the
 * cycle start by the time the delivery spent paused (from the pause, or from its acceptance if later),
 * an overdue next attempt to now. A delivery in flight (`sending`) is left as it is.
 */
async function requeueBatch(db: Db, endpointId: string, pausedAt: Date, now: Date, after: { at: string; id: string } | undefined): Promise<{ id: string; generation: number; next_attempt_at: Date; created_at: string }[]> {
  const keyset = after ? 'AND (d.created_at, d.id) > ($4::timestamptz, $5::uuid)' : '';
  const { rows } = await db.query<{ id: string; generation: number; next_attempt_at: Date; created_at: string }>(
    `WITH batch AS (SELECT d.id FROM deliveries d WHERE ${WAITING} ${keyset} ORDER BY d.created_at, d.id LIMIT ${RESUME_BATCH})
     UPDATE deliveries d SET
            cycle_started_at = CASE WHEN d.state = 'sending' THEN d.cycle_started_at
                                    ELSE d.cycle_started_at + ($3::timestamptz - GREATEST($2::timestamptz, d.cycle_started_at)) END,
            next_attempt_at = CASE WHEN d.state = 'sending' THEN d.next_attempt_at ELSE GREATEST(d.next_attempt_at, $3::timestamptz) END
       FROM batch WHERE d.id = batch.id
     RETURNING d.id, d.generation, d.next_attempt_at, ${isoMicros('d.created_at')} AS created_at`,
    after ? [endpointId, pausedAt, now, after.at, after.id] : [endpointId, pausedAt, now]);
  return rows;
}
