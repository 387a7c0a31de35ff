import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { isoMicros } from '../auditor/audit-sql.js';
import { SqlParams } from '../auditor/sql-params.js';
import { hubError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { DeliveryEnqueuer } from '../queue/delivery-enqueuer.js';
import { deliverJobId, type DeliverJobData } from '../queue/job-catalogue.js';
import type { Db } from '../store/db.js';
import type { AuditRecord } from '../store/records.js';
import { writeAudit } from '../store/write-new-messages.js';
import { filterConditions, type DeliveryFilter } from './delivery-filter.js';
import { endpointsInEffect } from './endpoints-in-effect.js';

/** Deliveries changed per transaction: a bulk resend never holds one large transaction. */
export const RESEND_BATCH = 200;

/** Named deliveries, or every delivery a filter matches (oldest first, at most `max`). */
export type ResendScope = { ids: readonly string[] } | { filter: DeliveryFilter; max: number };

/** What happened to one named delivery. */
export interface ResendItem {
  id: string;
  result: 'replayed' | 'hastened' | 'skipped';
  /**
   * Why it was skipped: its state (`delivered`, `queued`, `sending`), `pull-mode`, `endpoint-paused`, or
   * (a failed one) `endpoint-disabled` / `endpoint-not-configured`.
   */
  reason?: string;
}

export interface ResendResult {
  /** Groups this call's audit events (`data.operation`). */
  operationId: string;
  /** Deliveries looked at. */
  matched: number;
  /** replayed + hastened. */
  requeued: number;
  /** Failed deliveries given a fresh retry cycle (new generation, attempts from zero). */
  replayed: number;
  /** Retrying deliveries whose next attempt was brought forward to now. */
  hastened: number;
  skipped: number;
  /** Requeued in the database but not in Redis (it did not answer): the sweeper queues them later. */
  queueDeferred: number;
  batches: number;
  /** A filter matched more than `max`: call again for the rest. */
  more: boolean;
  /** With `ids`: each one's outcome, in the order given. */
  items?: ResendItem[];
}

export interface ResendDeps {
  db: Db;
  enqueuer: DeliveryEnqueuer;
  queue: Pick<Queue<DeliverJobData>, 'getJob'>;
  metrics: Pick<Metrics, 'deliveriesResent'>;
  log: Logger;
  now(): Date;
  /** Deliveries per transaction (default {@link RESEND_BATCH}). */
  batchSize?: number;
}

interface Changed { id: string; message_id: string; endpoint_id: string; generation: number; was_due: string | null }

const NOT_PAUSED = 'NOT EXISTS (SELECT 1 FROM endpoint_pauses p WHERE p.endpoint_id = d.endpoint_id)';

/**
 * Resends deliveries for an operator, in batches of {@link RESEND_BATCH}, each batch one transaction
 * with one audit event per delivery (actor = the operator): a failed delivery gets a fresh retry cycle
 * (`delivery.replayed`, as `POST …/replay`), a retrying one is attempted now instead of at its next
 * scheduled time (`delivery.hastened`; not on a paused endpoint, where it waits for the resume). Jobs
 * are queued after each batch commits. Other states are skipped (a delivery moves on its own while
 * this runs). Named ids that do not exist refuse the whole call before anything changes.
 *
 * @throws HUB_ERR_NOT_FOUND (404) for unknown ids (`details.ids`) or an unknown `filter.endpoint`.
 */
export async function resendDeliveries(deps: ResendDeps, scope: ResendScope, actor: string): Promise<ResendResult> {
  const result: ResendResult = { operationId: randomUUID(), matched: 0, requeued: 0, replayed: 0, hastened: 0, skipped: 0, queueDeferred: 0, batches: 0, more: false };
  const log = deps.log.child({ operation: result.operationId, actor });
  const batchSize = deps.batchSize ?? RESEND_BATCH;
  if ('ids' in scope) {
    const named = [...new Set(scope.ids.map((id) => id.toLowerCase()))];
    await assertDeliveriesExist(deps.db, named);
    const outcomes = new Map<string, ResendItem>();
    for (let i = 0; i < named.length; i += batchSize) {
      const ids = named.slice(i, i + batchSize);
      const done = await resendBatch(deps, ids, actor, result, log);
      for (const [id, item] of await explainSkipped(deps.db, ids, done)) outcomes.set(id, item);
    }
    result.items = named.map((id) => outcomes.get(id)!);
    return result;
  }

  if (scope.filter.endpoint !== undefined) await assertEndpointExists(deps.db, scope.filter.endpoint);
  let after: { at: string; id: string } | undefined;
  // Keyset over (acceptance time, id), oldest first: a resent delivery no longer matches `failed`, but a
  // hastened one still matches `retrying`, so the walk moves past each batch rather than re-reading.
  while (result.matched < scope.max) {
    const want = Math.min(batchSize, scope.max - result.matched);
    const batch = await matchingPage(deps.db, scope.filter, after, want);
    if (batch.length === 0) break;
    after = batch[batch.length - 1]!;
    await resendBatch(deps, batch.map((r) => r.id), actor, result, log);
    if (batch.length < want) break;
  }
  if (result.matched >= scope.max && after) result.more = (await matchingPage(deps.db, scope.filter, after, 1)).length > 0;
  log.info({ matched: result.matched, replayed: result.replayed, hastened: result.hastened, skipped: result.skipped, more: result.more }, 'bulk resend done');
  return result;
}

/** One batch: both updates and their audit events in one transaction, then the queue. */
async function resendBatch(deps: ResendDeps, ids: readonly string[], actor: string, result: ResendResult, log: Logger): Promise<Map<string, 'replayed' | 'hastened'>> {
  const now = deps.now();
  const { replayed, hastened } = await deps.db.transaction(async (tx) => {
    // A failed delivery whose endpoint is disabled or no longer configured would only fail again: skipped.
    const presence = await endpointsInEffect(tx);
    const failed = (await tx.query<{ id: string; endpoint_id: string }>(
      `SELECT d.id, d.endpoint_id FROM deliveries d WHERE d.id = ANY($1::uuid[]) AND d.state = 'failed' AND d.endpoint_id IS NOT NULL`, [ids])).rows;
    const replayable = failed.filter((r) => presence(r.endpoint_id) === 'enabled').map((r) => r.id);
    const replayedRows = (await tx.query<Changed>(
      `UPDATE deliveries d SET state = 'queued', generation = generation + 1, attempts = 0, cycle_started_at = $2, next_attempt_at = $2,
              last_error = NULL, failed_at = NULL, updated_at = $2
        WHERE d.id = ANY($1::uuid[]) AND d.state = 'failed' AND d.endpoint_id IS NOT NULL
        RETURNING d.id, d.message_id, d.endpoint_id, d.generation, NULL AS was_due`, [replayable, now])).rows;
    const hastenedRows = (await tx.query<Changed>(
      `WITH due AS (SELECT d.id, d.next_attempt_at FROM deliveries d
                     WHERE d.id = ANY($1::uuid[]) AND d.state = 'retrying' AND d.endpoint_id IS NOT NULL AND ${NOT_PAUSED} FOR UPDATE)
       UPDATE deliveries d SET next_attempt_at = $2, updated_at = $2 FROM due WHERE d.id = due.id AND d.state = 'retrying'
       RETURNING d.id, d.message_id, d.endpoint_id, d.generation, ${isoMicros('due.next_attempt_at')} AS was_due`, [ids, now])).rows;
    // RETURNING comes in the heap's order: the audit log lists the batch in the order it was walked.
    const position = new Map(ids.map((id, i) => [id, i]));
    const walked = (x: Changed, y: Changed): number => position.get(x.id)! - position.get(y.id)!;
    replayedRows.sort(walked);
    hastenedRows.sort(walked);
    const operation = result.operationId;
    const events: AuditRecord[] = [
      ...replayedRows.map((r) => ({ at: now, actor, kind: 'delivery.replayed', messageId: r.message_id, deliveryId: r.id, data: { generation: r.generation, operation } })),
      ...hastenedRows.map((r) => ({ at: now, actor, kind: 'delivery.hastened', messageId: r.message_id, deliveryId: r.id, data: { operation, wasDueAt: r.was_due } })),
    ];
    await writeAudit(tx, events);
    return { replayed: replayedRows, hastened: hastenedRows };
  });

  result.batches += 1;
  result.matched += ids.length;
  result.replayed += replayed.length;
  result.hastened += hastened.length;
  result.requeued += replayed.length + hastened.length;
  result.skipped += ids.length - replayed.length - hastened.length;
  deps.metrics.deliveriesResent.inc({ mode: 'replayed' }, replayed.length);
  deps.metrics.deliveriesResent.inc({ mode: 'hastened' }, hastened.length);

  // The database is the truth from here: a Redis that does not answer only delays these (the sweeper queues them).
  try {
    await deps.enqueuer.enqueue(replayed.map((r) => ({ deliveryId: r.id, endpointId: r.endpoint_id, generation: r.generation, delayMs: 0 })));
    await Promise.all(hastened.map((r) => hasten(deps, r)));
  } catch (err) {
    result.queueDeferred += replayed.length + hastened.length;
    log.warn({ err: (err as Error).message }, 'resent deliveries not queued now: the sweeper will queue them');
  }
  log.info({ batch: result.batches, replayed: replayed.length, hastened: hastened.length, matchedSoFar: result.matched }, 'resend batch committed');
  return new Map([...replayed.map((r) => [r.id, 'replayed'] as const), ...hastened.map((r) => [r.id, 'hastened'] as const)]);
}

/** A retrying delivery's job waits (delayed) in the queue: run it now; queue it afresh if it is gone. */
async function hasten(deps: ResendDeps, row: Changed): Promise<void> {
  const job = await deps.queue.getJob(deliverJobId(row.id, row.generation));
  if (!job) {
    await deps.enqueuer.enqueue([{ deliveryId: row.id, endpointId: row.endpoint_id, generation: row.generation, delayMs: 0 }]);
    return;
  }
  // Only a delayed job can be promoted; an active or waiting one is about to run anyway.
  if ((await job.getState()) === 'delayed') await job.promote().catch(() => undefined);
}

/** The next page of deliveries a filter matches, oldest first, after `after`. */
async function matchingPage(db: Db, filter: DeliveryFilter, after: { at: string; id: string } | undefined, limit: number): Promise<{ id: string; at: string }[]> {
  const params = new SqlParams();
  const where = filterConditions(params, filter);
  if (after) where.push(`(d.created_at, d.id) > (${params.add(after.at, 'timestamptz')}, ${params.add(after.id, 'uuid')})`);
  const { rows } = await db.query<{ id: string; at: string }>(
    `SELECT d.id, ${isoMicros('d.created_at')} AS at FROM deliveries d JOIN messages m ON m.id = d.message_id
      WHERE ${where.join(' AND ')} ORDER BY d.created_at, d.id LIMIT ${params.add(limit, 'int')}`, params.values);
  return rows;
}

/** Why each named delivery that was not resent was skipped. */
async function explainSkipped(db: Db, ids: readonly string[], done: Map<string, 'replayed' | 'hastened'>): Promise<Map<string, ResendItem>> {
  const items = new Map<string, ResendItem>([...done].map(([id, result]) => [id, { id, result }]));
  const rest = ids.filter((id) => !done.has(id));
  if (rest.length === 0) return items;
  const { rows } = await db.query<{ id: string; state: string; endpoint_id: string | null; paused: boolean }>(
    `SELECT d.id, d.state, d.endpoint_id, EXISTS (SELECT 1 FROM endpoint_pauses p WHERE p.endpoint_id = d.endpoint_id) AS paused
       FROM deliveries d WHERE d.id = ANY($1::uuid[])`, [rest]);
  const presence = await endpointsInEffect(db);
  const unavailable = (endpointId: string): string | undefined => {
    const found = presence(endpointId);
    return found === 'enabled' ? undefined : found === 'disabled' ? 'endpoint-disabled' : 'endpoint-not-configured';
  };
  for (const r of rows) {
    const reason = r.endpoint_id === null ? 'pull-mode'
      : r.state === 'retrying' && r.paused ? 'endpoint-paused'
        : (r.state === 'failed' && unavailable(r.endpoint_id)) || r.state;
    items.set(r.id, { id: r.id, result: 'skipped', reason });
  }
  return items;
}

async function assertDeliveriesExist(db: Db, ids: readonly string[]): Promise<void> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM deliveries WHERE id = ANY($1::uuid[])', [ids]);
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw hubError('HUB_ERR_NOT_FOUND', [`Deliveries ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`], { ids: missing });
  }
}

/** Throws 404 unless the endpoint is in the configuration (the `endpoints` table mirrors it). */
export async function assertEndpointExists(db: Pick<Db, 'query'>, endpointId: string): Promise<void> {
  const { rows } = await db.query('SELECT 1 FROM endpoints WHERE id = $1', [endpointId]);
  if (rows.length === 0) throw hubError('HUB_ERR_NOT_FOUND', [`Endpoint ${endpointId}`]);
}
