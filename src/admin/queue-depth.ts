import type { Queue } from 'bullmq';
import type { DeliverJobData } from '../queue/job-catalogue.js';
import type { Queryable } from '../store/db.js';
import type { EndpointPause } from './endpoint-pause.js';

/** One endpoint's waiting work, from the database. */
export interface EndpointDepth {
  endpoint: string;
  /** The endpoint's adapter; null for an endpoint no longer configured that still has deliveries. */
  adapter: string | null;
  /** Accepted or replayed, not attempted yet. */
  queued: number;
  /** An attempt in flight (`sending`). */
  inFlight: number;
  /** Waiting for their next attempt after a transient failure. */
  retrying: number;
  /** Of queued + retrying, those held because the endpoint is paused (all of them while it is, else 0). */
  paused: number;
  /** Acceptance time of the oldest waiting delivery (queued, in flight or retrying). */
  oldestWaitingSince: string | null;
  pause: Omit<EndpointPause, 'endpoint'> | null;
}

/** BullMQ's own counts for the whole delivery queue (jobs carry no endpoint BullMQ could count by). */
export interface QueueCounts {
  waiting: number;
  delayed: number;
  active: number;
  prioritized: number;
  failed: number;
}

interface Row {
  endpoint: string; adapter: string | null; queued: number; in_flight: number; retrying: number; oldest: Date | null;
  paused_at: Date | null; paused_by: string | null; reason: string | null;
}

/**
 * Waiting deliveries per endpoint, counted from the database (the source of truth: Redis may have
 * been flushed): every configured endpoint, and any other that still has waiting deliveries or a
 * pause. One aggregate over the partial `deliveries_pending` index, which holds waiting push
 * deliveries only.
 */
export async function readQueueDepth(db: Queryable): Promise<EndpointDepth[]> {
  const { rows } = await db.query<Row>(
    `WITH w AS (SELECT endpoint_id, count(*) FILTER (WHERE state = 'queued')::int AS queued, count(*) FILTER (WHERE state = 'sending')::int AS in_flight,
                       count(*) FILTER (WHERE state = 'retrying')::int AS retrying, min(created_at) AS oldest
                  FROM deliveries WHERE next_attempt_at IS NOT NULL AND endpoint_id IS NOT NULL AND state IN ('queued', 'sending', 'retrying')
                 GROUP BY endpoint_id),
          ids AS (SELECT id FROM endpoints UNION SELECT endpoint_id FROM w UNION SELECT endpoint_id FROM endpoint_pauses)
     SELECT ids.id AS endpoint, e.adapter, coalesce(w.queued, 0) AS queued, coalesce(w.in_flight, 0) AS in_flight, coalesce(w.retrying, 0) AS retrying,
            w.oldest, p.paused_at, p.paused_by, p.reason
       FROM ids LEFT JOIN endpoints e ON e.id = ids.id LEFT JOIN w ON w.endpoint_id = ids.id LEFT JOIN endpoint_pauses p ON p.endpoint_id = ids.id
      ORDER BY ids.id`);
  return rows.map((r) => ({
    endpoint: r.endpoint, adapter: r.adapter, queued: r.queued, inFlight: r.in_flight, retrying: r.retrying,
    paused: r.paused_at ? r.queued + r.retrying : 0,
    oldestWaitingSince: r.oldest ? r.oldest.toISOString() : null,
    pause: r.paused_at ? { pausedAt: r.paused_at.toISOString(), pausedBy: r.paused_by ?? '', reason: r.reason ?? '' } : null,
  }));
}

/** BullMQ's counts for the delivery queue (a few Redis commands); `{ error }` when Redis does not answer in time. */
export async function readQueueCounts(queue: Pick<Queue<DeliverJobData>, 'getJobCounts'>, timeoutMs = 2_000): Promise<QueueCounts | { error: string }> {
  try {
    const counts = await Promise.race([
      queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'failed'),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return { waiting: counts.waiting ?? 0, delayed: counts.delayed ?? 0, active: counts.active ?? 0, prioritized: counts.prioritized ?? 0, failed: counts.failed ?? 0 };
  } catch (err) {
    return { error: `redis: ${(err as Error).message}` };
  }
}
