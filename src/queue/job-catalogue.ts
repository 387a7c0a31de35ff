import type { JobsOptions } from 'bullmq';

/**
 * The one catalogue of queue jobs. Payloads carry ids, never bodies: the worker loads everything
 * from the database, which stays the source of truth.
 */
export const DELIVERY_QUEUE = 'deliveries';
export const DELIVER_JOB = 'deliver';
/** BullMQ backoff type whose delays come from the endpoint's retry schedule (see delivery-worker). */
export const ENDPOINT_BACKOFF = 'endpoint-schedule';

export interface DeliverJobData {
  deliveryId: string;
  /** Lets the worker check the endpoint's circuit and concurrency before touching the database. */
  endpointId: string;
}

/** Job ids must be stable (the sweeper re-adds without duplicates) and free of `:` (BullMQ 6). */
export function deliverJobId(deliveryId: string, generation: number): string {
  return `${deliveryId}-g${generation}`;
}

export function deliverJobOptions(deliveryId: string, generation: number, delayMs: number): JobsOptions {
  return {
    jobId: deliverJobId(deliveryId, generation),
    delay: Math.max(0, Math.round(delayMs)),
    // The worker decides when to give up (it knows the attempt count in the database, which survives a
    // lost job); this bound only stops a runaway loop.
    attempts: 1_000,
    backoff: { type: ENDPOINT_BACKOFF },
    // The database keeps the history; a finished job has nothing more to say.
    removeOnComplete: true,
    removeOnFail: { age: 7 * 86_400 },
  };
}

/**
 * Work the hub does on a clock for endpoints whose system must be polled (the national axis): one
 * receive run (fetch what is pending, hand it to intake, acknowledge) and a directory sync. Each is a
 * BullMQ job scheduler per endpoint, so however many workers run, one run happens per tick.
 */
export const POLL_QUEUE = 'polls';
export const RECEIVE_JOB = 'receive';
export const SYNC_DIRECTORY_JOB = 'sync-directory';
/** Asks a dossier target system what became of the dossiers it took (statuses, results). */
export const POLL_RESULTS_JOB = 'poll-results';
export type PollJobName = typeof RECEIVE_JOB | typeof SYNC_DIRECTORY_JOB | typeof POLL_RESULTS_JOB;

export interface PollJobData {
  endpointId: string;
}

/** Stable per endpoint and job, without `:` (BullMQ 6). */
export function pollSchedulerId(job: PollJobName, endpointId: string): string {
  return `${job}-${endpointId}`;
}

/** Id of a run asked for outside the clock (`PollWorker.runNow`): unique, without `:`. */
export function pollRunNowJobId(job: PollJobName, endpointId: string, nonce: string): string {
  return `${pollSchedulerId(job, endpointId)}-now-${nonce}`;
}

/** Poll runs in flight per worker process: they are few, long and mostly waiting on the remote system. */
export const POLL_WORKER_CONCURRENCY = 2;

export const POLL_JOB_OPTIONS: JobsOptions = {
  // The next tick is the retry: a failed run leaves everything pending on the remote side.
  attempts: 1,
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 100 },
};
