import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { isoMicros } from '../auditor/audit-sql.js';
import type { Metrics } from '../metrics.js';
import type { Db } from '../store/db.js';
import { writeAudit } from '../store/write-new-messages.js';
import type { DeliveryEnqueuer } from './delivery-enqueuer.js';
import { deliverJobId, type DeliverJobData } from './job-catalogue.js';

export interface SweeperOptions {
  db: Db;
  queue: Queue<DeliverJobData>;
  enqueuer: DeliveryEnqueuer;
  metrics: Metrics;
  log: Logger;
  /** A delivery is looked at only once its next attempt is this overdue (jobs in flight get time to land). */
  graceMs: number;
  /** Most deliveries checked per sweep: each sweep goes on where the last one stopped (see createSweeper). */
  batchSize: number;
}

export interface Sweeper {
  /** One pass; returns how many deliveries were re-enqueued. */
  sweepOnce(): Promise<number>;
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

interface PendingRow {
  id: string;
  endpoint_id: string;
  message_id: string;
  generation: number;
  /** `next_attempt_at` as UTC ISO 8601 with microseconds: exact, so the keyset never re-reads or skips a row. */
  due: string;
}

/** A position in the walk over overdue deliveries, in (next_attempt_at, id) order. */
interface WalkKey {
  due: string;
  id: string;
}

/**
 * The database is the truth, Redis only carries work. The sweeper finds deliveries that should be in
 * the queue (not delivered, not failed, overdue) and whose job is gone — Redis flushed, restarted
 * without persistence, or an enqueue that failed after commit — and enqueues them again. Job ids are
 * stable, so re-adding a job that does exist is harmless. Deliveries to a paused endpoint have no job
 * on purpose (workers set them aside): they wait for the resume, which queues them.
 *
 * Many overdue deliveries still have their job: a job parked behind an open circuit, a busy endpoint
 * or a backlog leaves its row as it was, so an endpoint down for a while holds thousands of rows that
 * look overdue. Each sweep therefore checks at most `batchSize` of them (its cost stays bounded: one
 * or two index range reads and `batchSize` job lookups) and walks on across sweeps in
 * (next_attempt_at, id) order from where the previous sweep stopped, wrapping to the oldest when it
 * reaches the newest. Every overdue delivery is looked at within ⌈overdue / batchSize⌉ sweeps; reading
 * the oldest `batchSize` every time would look at the same parked rows forever and never reach a newer
 * delivery whose job was lost.
 */
export function createSweeper(opts: SweeperOptions): Sweeper {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  const jobIsAlive = async (row: PendingRow): Promise<boolean> => {
    const job = await opts.queue.getJob(deliverJobId(row.id, row.generation));
    if (!job) return false;
    const state = await job.getState();
    if (state === 'failed' || state === 'completed' || state === 'unknown') {
      // The queue gave up on a job the database still expects to run: start it afresh.
      await job.remove().catch(() => undefined);
      return false;
    }
    return true;
  };

  /** Overdue deliveries in walk order, after `after` and up to `upTo` (each bound optional), at most `limit`. */
  const overduePage = async (overdueBefore: Date, bounds: { after?: WalkKey; upTo?: WalkKey }, limit: number): Promise<PendingRow[]> => {
    const params: unknown[] = [overdueBefore, limit];
    // PostgreSQL bounds its deliveries_pending index scan by the row comparison's first column.
    const keyset = (key: WalkKey, op: '>' | '<='): string => {
      params.push(key.due, key.id);
      return `AND (next_attempt_at, id) ${op} ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    };
    const after = bounds.after ? keyset(bounds.after, '>') : '';
    const upTo = bounds.upTo ? keyset(bounds.upTo, '<=') : '';
    const { rows } = await opts.db.query<PendingRow>(
      `SELECT id, endpoint_id, message_id, generation, ${isoMicros('next_attempt_at')} AS due FROM deliveries d
        WHERE next_attempt_at IS NOT NULL AND next_attempt_at < $1 AND endpoint_id IS NOT NULL ${after} ${upTo}
          AND state IN ('queued', 'sending', 'retrying')
          AND NOT EXISTS (SELECT 1 FROM endpoint_pauses p WHERE p.endpoint_id = d.endpoint_id)
        ORDER BY next_attempt_at, id LIMIT $2`,
      params);
    return rows;
  };

  // Where the last sweep stopped; undefined: the next one starts from the oldest.
  let walkedTo: WalkKey | undefined;

  /**
   * The next `batchSize` overdue deliveries after `from`, going on from the oldest once past the
   * newest, and where the sweep that checks them stops (undefined when it saw every overdue delivery).
   */
  const nextOverdue = async (from: WalkKey | undefined): Promise<{ rows: PendingRow[]; stop: WalkKey | undefined }> => {
    const overdueBefore = new Date(Date.now() - opts.graceMs);
    let rows = await overduePage(overdueBefore, from ? { after: from } : {}, opts.batchSize);
    if (rows.length < opts.batchSize && from) rows = rows.concat(await overduePage(overdueBefore, { upTo: from }, opts.batchSize - rows.length));
    const last = rows[rows.length - 1];
    return { rows, stop: rows.length === opts.batchSize && last ? { due: last.due, id: last.id } : undefined };
  };

  /** Enqueues again those of `rows` whose job is gone; returns how many. */
  const requeueLost = async (rows: readonly PendingRow[]): Promise<number> => {
    let lost: PendingRow[] = [];
    for (let i = 0; i < rows.length; i += 100) {
      const chunk = rows.slice(i, i + 100);
      const alive = await Promise.all(chunk.map(jobIsAlive));
      chunk.forEach((row, j) => { if (!alive[j]) lost.push(row); });
    }
    if (lost.length === 0) return 0;
    // A job that finished between the SELECT above and its lookup is gone because it is done: read
    // the rows again and keep only those still waiting for the same generation's job.
    const { rows: still } = await opts.db.query<{ id: string; generation: number }>(
      `SELECT id, generation FROM deliveries WHERE id = ANY($1::uuid[]) AND state IN ('queued', 'sending', 'retrying')`,
      [lost.map((r) => r.id)]);
    const waiting = new Set(still.map((r) => `${r.id}/${r.generation}`));
    lost = lost.filter((r) => waiting.has(`${r.id}/${r.generation}`));
    if (lost.length === 0) return 0;
    await opts.enqueuer.enqueue(lost.map((r) => ({ deliveryId: r.id, endpointId: r.endpoint_id, generation: r.generation, delayMs: 0 })));
    const at = new Date();
    await writeAudit(opts.db, lost.map((r) => ({ at, actor: 'sweeper', kind: 'delivery.requeued', messageId: r.message_id, deliveryId: r.id, data: { reason: 'job missing from the queue' } })));
    opts.metrics.sweeperRequeued.inc(lost.length);
    opts.log.warn({ count: lost.length }, 'sweeper re-enqueued deliveries whose job had vanished');
    return lost.length;
  };

  const sweepOnce = async (): Promise<number> => {
    const { rows, stop } = await nextOverdue(walkedTo);
    const requeued = await requeueLost(rows);
    // Moved on only once the rows were dealt with: a sweep that failed (Redis away) walks them again.
    walkedTo = stop;
    return requeued;
  };

  const tick = (): void => {
    if (running) return;
    running = sweepOnce()
      .catch((err: unknown) => { opts.log.error({ err }, 'sweep failed'); return 0; })
      .finally(() => { running = undefined; });
  };

  return {
    sweepOnce,
    start(intervalMs) {
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
