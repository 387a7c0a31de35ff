import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliverJobData } from '../queue/job-catalogue.js';

/**
 * What the operations API reaches besides the database: the delivery queue (BullMQ's counts, and
 * promoting a retrying delivery's delayed job) and Redis under the queue prefix (the circuit states
 * the workers publish).
 */
export interface OperationsPorts {
  queue: Queue<DeliverJobData>;
  redis: Redis;
  queuePrefix: string;
}
