import type { Queue } from 'bullmq';
import { createGroupCommit } from '../store/group-commit.js';
import { DELIVER_JOB, deliverJobOptions, type DeliverJobData } from './job-catalogue.js';

export interface EnqueueRequest {
  deliveryId: string;
  endpointId: string;
  generation: number;
  delayMs: number;
}

export interface DeliveryEnqueuer {
  /** Adds one job per delivery; jobs that already exist are left alone (ids are stable). */
  enqueue(requests: readonly EnqueueRequest[]): Promise<void>;
}

/** Coalesces enqueues from concurrent requests into `addBulk` calls (one Redis round trip each). */
export function createDeliveryEnqueuer(queue: Queue<DeliverJobData>): DeliveryEnqueuer {
  const bulk = createGroupCommit<EnqueueRequest, void>({
    maxBatch: 500,
    maxInFlight: 4,
    run: async (items) => {
      await queue.addBulk(items.map((r) => ({ name: DELIVER_JOB, data: { deliveryId: r.deliveryId, endpointId: r.endpointId }, opts: deliverJobOptions(r.deliveryId, r.generation, r.delayMs) })));
      return items.map(() => undefined);
    },
  });
  return {
    async enqueue(requests) {
      await Promise.all(requests.map((r) => bulk.submit(r)));
    },
  };
}
