import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
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
  /** Most deliveries checked per sweep. */
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
  next_attempt_at: Date;
}

/**
 * The database is the truth, Redis only carries work. The sweeper finds deliveries that should be in
 * the queue (not delivered, not failed, overdue) and whose job is gone — Redis flushed, restarted
 * without persistence, or an enqueue that failed after commit — and enqueues them again. Job ids are
 * stable, so re-adding a job that does exist is harmless. Deliveries to a paused endpoint have no job
 * on purpose (workers set them aside): they wait for the resume, which queues them.
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

  const sweepOnce = async (): Promise<number> => {
    const { rows } = await opts.db.query<PendingRow>(
      `SELECT id, endpoint_id, message_id, generation, next_attempt_at FROM deliveries d
        WHERE next_attempt_at IS NOT NULL AND next_attempt_at < $1 AND endpoint_id IS NOT NULL
          AND state IN ('queued', 'sending', 'retrying')
          AND NOT EXISTS (SELECT 1 FROM endpoint_pauses p WHERE p.endpoint_id = d.endpoint_id)
        ORDER BY next_attempt_at LIMIT $2`,
      [new Date(Date.now() - opts.graceMs), opts.batchSize]);
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
