import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';
import { deliverJobId, type DeliverJobData } from './job-catalogue.js';

/** Deliveries looked at per statement while releasing a backlog. */
const RELEASE_BATCH = 500;
/** One release per endpoint at a time across every worker process (Redis lock, ms). */
const RELEASE_LOCK_MS = 30_000;

export interface BacklogRelease {
  /**
   * The endpoint answered again after its circuit had opened: its deliveries waiting on a retry
   * delay go now, in acceptance order, instead of each at the end of its own back-off (after an
   * hour's outage, the next retry of the oldest may be two hours away). Never throws; what it could
   * not release keeps its own delay (and the sweeper still stands behind every delivery).
   */
  release(endpointId: string): void;
  /**
   * The endpoint's circuit lets a trial through now: the oldest of its waiting deliveries is woken to
   * be that trial (so that, if it succeeds, the backlog goes in acceptance order from the first one).
   * Resolves with the woken job's id (undefined: none was waiting on a delay); never rejects.
   */
  wakeOldest(endpointId: string): Promise<string | undefined>;
  /** Resolves when releases under way have finished (tests, shutdown). */
  idle(): Promise<void>;
}

/**
 * Releases an endpoint's backlog by promoting its delayed jobs oldest first: BullMQ puts a promoted
 * job at the back of the waiting list, so promoting in acceptance order queues in acceptance order,
 * and the workers take them so (within the attempts in flight at once). A job that is not delayed
 * (waiting, active, gone) is left alone.
 */
export function createBacklogRelease(opts: { db: Db; queue: Queue<DeliverJobData>; redis: Redis; prefix: string; log: Logger }): BacklogRelease {
  const running = new Map<string, Promise<void>>();

  /** The endpoint's unfinished deliveries in acceptance order, a batch after `after`. */
  const waiting = async (endpointId: string, after: { at: Date; id: string } | undefined, limit: number) => (await opts.db.query<{ id: string; generation: number; created_at: Date }>(
    // Waiting on a retry delay, or parked behind the open circuit (a parked job leaves no trace in
    // the row): every queued or retrying delivery is looked at; only delayed jobs move. Only
    // unfinished rows have a next attempt: the partial index deliveries_pending holds just those.
    `SELECT id, generation, created_at FROM deliveries
      WHERE next_attempt_at IS NOT NULL AND endpoint_id = $1 AND state IN ('queued', 'retrying')
        ${after ? 'AND (created_at, id) > ($2, $3)' : ''}
      ORDER BY created_at, id LIMIT ${limit}`,
    after ? [endpointId, after.at, after.id] : [endpointId])).rows;

  const releaseAll = async (endpointId: string): Promise<void> => {
    const lock = `${opts.prefix}:backlog-release:${endpointId}`;
    if ((await opts.redis.set(lock, '1', 'PX', RELEASE_LOCK_MS, 'NX')) !== 'OK') return;
    const started = Date.now();
    let promoted = 0;
    let after: { at: Date; id: string } | undefined;
    try {
      for (;;) {
        const rows = await waiting(endpointId, after, RELEASE_BATCH);
        if (rows.length === 0) break;
        // Commands on one connection run in the order sent: the promotions queue in acceptance order.
        const jobs = await Promise.all(rows.map((r) => opts.queue.getJob(deliverJobId(r.id, r.generation))));
        const states = await Promise.all(jobs.map((job) => job?.isDelayed() ?? false));
        const done = await Promise.all(jobs.map((job, i) => (job && states[i] ? job.promote().then(() => 1, () => 0) : 0)));
        promoted += done.reduce((a, b) => a + b, 0);
        const last = rows[rows.length - 1]!;
        after = { at: last.created_at, id: last.id };
        if (rows.length < RELEASE_BATCH) break;
      }
      opts.log.info({ endpoint: endpointId, promoted, ms: Date.now() - started }, 'endpoint answering again: its waiting deliveries released oldest first');
    } finally {
      await opts.redis.del(lock).catch(() => undefined);
    }
  };

  return {
    release(endpointId) {
      if (running.has(endpointId)) return;
      const run = releaseAll(endpointId)
        .catch((err: unknown) => opts.log.warn({ err: (err as Error).message, endpoint: endpointId }, 'releasing an endpoint backlog failed: deliveries keep their own retry delays'))
        .finally(() => running.delete(endpointId));
      running.set(endpointId, run);
    },
    async wakeOldest(endpointId) {
      try {
        for (const r of await waiting(endpointId, undefined, 20)) {
          const job = await opts.queue.getJob(deliverJobId(r.id, r.generation));
          if (job?.id && (await job.isDelayed())) {
            await job.promote();
            return job.id;
          }
        }
      } catch (err) {
        opts.log.warn({ err: (err as Error).message, endpoint: endpointId }, 'waking the oldest delivery for a circuit trial failed');
      }
      return undefined;
    },
    async idle() {
      await Promise.all(running.values());
    },
  };
}
