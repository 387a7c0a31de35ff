import { Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { DeliveryProcessor } from './delivery-processor.js';
import { DELIVERY_QUEUE, type DeliverJobData } from './job-catalogue.js';
import { RetryLaterError, scheduledBackoff } from './retry-later-error.js';

export interface StartDeliveryWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  processor: DeliveryProcessor;
  log: Logger;
}

/** Runs the delivery processor on the queue; retries use the delays the processor chose. */
export function startDeliveryWorker(opts: StartDeliveryWorkerOptions): Worker<DeliverJobData> {
  const worker = new Worker<DeliverJobData>(DELIVERY_QUEUE, opts.processor, {
    connection: opts.connection,
    prefix: opts.prefix,
    concurrency: opts.concurrency,
    settings: { backoffStrategy: scheduledBackoff },
    // Attempts are bounded by the endpoint's timeout (≤ 120 s); BullMQ renews the lock meanwhile.
    lockDuration: 30_000,
    maxStalledCount: 10,
  });
  worker.on('failed', (job, err) => {
    if (err instanceof RetryLaterError) return; // an ordinary retry, already recorded
    if (err.name === 'UnrecoverableError') return; // a failed delivery, already recorded
    opts.log.error({ err, jobId: job?.id }, 'delivery job failed unexpectedly');
  });
  worker.on('error', (err) => opts.log.error({ err }, 'worker error'));
  return worker;
}
