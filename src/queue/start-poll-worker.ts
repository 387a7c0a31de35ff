import { randomUUID } from 'node:crypto';
import { Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AdapterTable } from '../adapters/adapter-contract.js';
import type { EndpointConfig, HubConfig } from '../config/hub-config.js';
import { replaceDirectory } from '../directory/replace-directory.js';
import type { DirectoryAgency } from '../domain/directory-agency.js';
import type { DossierService } from '../dossiers/dossier-service.js';
import type { EdxmlIntake } from '../intake/edxml-intake.js';
import type { Metrics } from '../metrics.js';
import type { Db } from '../store/db.js';
import { POLL_QUEUE, POLL_WORKER_CONCURRENCY, pollRunNowJobId, POLL_JOB_OPTIONS, type PollJobData, type PollJobName } from './job-catalogue.js';
import { createPolledPacketIntake } from './polled-packet-intake.js';
import { openRedis, type RedisTarget } from './redis-connection.js';
import { createPollProcessor, type PollResult } from './poll-processor.js';
import { pollSchedulesOf, schedulePolls, type PollSchedule } from './schedule-polls.js';

export interface StartPollWorkerOptions {
  config: HubConfig;
  adapters: AdapterTable;
  /** The hub's queue connection (non-blocking commands: scheduling, adding runs). */
  queueConnection: Redis;
  /** For the worker's own blocking connection. */
  redis: RedisTarget;
  prefix: string;
  edxmlIntake: EdxmlIntake;
  /** Where polled dossier results go (absent: no endpoint polls results). */
  dossiers?: Pick<DossierService, 'pending' | 'applyUpdates'>;
  db: Db;
  metrics: Metrics;
  log: Logger;
  now(): Date;
  /** Longest one run may take (default 5 min). */
  runTimeoutMs?: number;
  /** How long to wait between attempts to install the schedules while Redis does not answer (default 5 s). */
  scheduleRetryMs?: number;
}

/** The worker of clocked jobs (receive loops, directory syncs) in a hub process. */
export interface PollWorker {
  queue: Queue<PollJobData>;
  /** Absent when the configuration polls nothing (no blocking connection is held for an idle queue). */
  worker?: Worker<PollJobData>;
  /** What the configuration asks for (the configuration in effect when last scheduled). */
  readonly schedules: readonly PollSchedule[];
  /** Settles once the queue's schedulers match the configuration (retried until Redis answers). */
  ready: Promise<{ scheduled: string[]; removed: string[] }>;
  /**
   * Runs one job for one endpoint now, outside the clock, through the queue like a clocked run, and
   * resolves with its result (rejects with the run's failure, or after `timeoutMs`, default 60 s).
   * Only where the configuration polls something (otherwise no worker would take the run).
   */
  runNow(job: PollJobName, endpointId: string, timeoutMs?: number): Promise<PollResult>;
  /**
   * Makes the schedules match a new configuration (an endpoint added, removed, its `poll` changed),
   * starting the worker if this is the first thing to poll. Serialised: one installation at a time.
   */
  reschedule(config: HubConfig): Promise<{ scheduled: string[]; removed: string[] }>;
  /** Stops taking runs (in-flight ones are aborted and recorded failed), then closes the queue. */
  close(): Promise<void>;
}

/**
 * Starts the poll worker of a hub process: a queue and a worker (own Redis connection, concurrency
 * {@link POLL_WORKER_CONCURRENCY}) for {@link POLL_QUEUE}; the configuration's schedules installed in
 * the background (idempotent, so every worker does it; schedules no longer configured are removed; a
 * first-ever schedule runs at once, a restart keeps the times Redis holds — see `repeatFor`);
 * received packets go to the edXML intake as submitted by their endpoint; fetched directories
 * replace the endpoint's stored directory. When no endpoint polls, only the stale schedules are
 * removed: no worker runs and nothing is written to Redis.
 */
export function startPollWorker(opts: StartPollWorkerOptions): PollWorker {
  const log = opts.log.child({ component: 'polls' });
  const shutdown = new AbortController();

  // 1. queue and schedules
  let schedules = pollSchedulesOf(opts.config);
  const queue = new Queue<PollJobData>(POLL_QUEUE, { connection: opts.queueConnection, prefix: opts.prefix, skipMetasUpdate: schedules.length === 0 });
  queue.on('error', (err) => log.warn({ err: err.message }, 'poll queue error'));
  const ready = installSchedules(queue, schedules, shutdown.signal, opts.scheduleRetryMs ?? 5_000, log);
  let installing: Promise<unknown> = ready.catch(() => undefined);

  // 2. the processor: intake for packets, the directory store for directories
  const intakePacket = createPolledPacketIntake({ edxmlIntake: opts.edxmlIntake, metrics: opts.metrics, log });
  const processor = createPollProcessor({
    config: opts.config,
    adapters: opts.adapters,
    intakePacket,
    storeDirectory: (endpoint, agencies, onProgress) => storeDirectory(opts.db, opts.config, endpoint, agencies, onProgress, log),
    ...(opts.dossiers ? { dossiers: opts.dossiers } : {}),
    metrics: opts.metrics,
    log,
    now: opts.now,
    shutdown: shutdown.signal,
    ...(opts.runTimeoutMs !== undefined ? { runTimeoutMs: opts.runTimeoutMs } : {}),
  });

  // 3. the worker, on its own blocking connection: only once something polls
  let workerRedis: Redis | undefined;
  let worker: Worker<PollJobData> | undefined;
  const startWorker = (): void => {
    if (worker || shutdown.signal.aborted) return;
    workerRedis = openRedis(opts.redis, { maxRetriesPerRequest: null });
    workerRedis.on('error', (err) => log.warn({ err: err.message }, 'redis (poll worker) connection error'));
    worker = new Worker<PollJobData>(POLL_QUEUE, processor, { connection: workerRedis, prefix: opts.prefix, concurrency: POLL_WORKER_CONCURRENCY });
    worker.on('failed', (job, err) => {
      // The next tick is the retry; the remote system still holds whatever was not acknowledged.
      log.warn({ err, job: job?.name, endpointId: job?.data.endpointId, summary: (err as { summary?: unknown }).summary }, 'poll run failed');
    });
    worker.on('error', (err) => log.error({ err }, 'poll worker error'));
  };
  if (schedules.length > 0) startWorker();

  return {
    queue,
    get worker() { return worker; },
    get schedules() { return schedules; },
    ready,
    reschedule(config) {
      const next = installing.then(async () => {
        schedules = pollSchedulesOf(config);
        if (schedules.length > 0) startWorker();
        return installSchedules(queue, schedules, shutdown.signal, opts.scheduleRetryMs ?? 5_000, log);
      });
      installing = next.catch(() => undefined);
      return next;
    },
    async runNow(name, endpointId, timeoutMs = 60_000) {
      if (!worker) throw new Error('no endpoint polls anything in this configuration: no poll worker runs');
      const added = await queue.add(name, { endpointId }, { ...POLL_JOB_OPTIONS, jobId: pollRunNowJobId(name, endpointId, randomUUID()) });
      return waitForResult(queue, added.id!, timeoutMs);
    },
    async close() {
      shutdown.abort();
      await installing;
      await worker?.close();
      await queue.close();
      const redis = workerRedis;
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}

/** Installs the schedules, trying again while Redis does not answer (a worker may start before it). */
async function installSchedules(
  queue: Queue<PollJobData>, schedules: readonly PollSchedule[], stop: AbortSignal, retryMs: number, log: Logger,
): Promise<{ scheduled: string[]; removed: string[] }> {
  for (;;) {
    try {
      const result = await schedulePolls(queue, schedules);
      if (result.scheduled.length > 0 || result.removed.length > 0) log.info(result, 'poll schedules installed');
      return result;
    } catch (err) {
      if (stop.aborted) throw err;
      log.warn({ err: (err as Error).message }, `could not install the poll schedules; trying again in ${retryMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryMs);
        stop.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
      if (stop.aborted) throw err;
    }
  }
}

/** Full directory sync of the endpoint's system: its directory is stored under the endpoint's id. */
async function storeDirectory(
  db: Db, config: HubConfig, endpoint: EndpointConfig, agencies: DirectoryAgency[], onProgress: (done: number, total: number) => void, log: Logger,
): Promise<Record<string, number>> {
  const result = await replaceDirectory(db, endpoint.id, agencies, {
    rules: config.agencyCodes.rules,
    onProgress: (p) => onProgress(p.written, p.toWrite),
  });
  if (result.conflicts.length > 0) log.warn({ endpointId: endpoint.id, conflicts: result.conflicts.slice(0, 10) }, 'directory codes claimed by several agencies');
  if (result.codeIssues.sample.length > 0) log.info({ endpointId: endpoint.id, codeIssues: result.codeIssues }, 'directory codes that fail their form\'s check (stored as they are)');
  return {
    agencies: agencies.length,
    inserted: result.inserted,
    updated: result.updated,
    deleted: result.deleted,
    unchanged: result.unchanged,
    conflicts: result.conflicts.length,
    codeIssuesQcvn102: result.codeIssues.qcvn102,
    codeIssuesQd20: result.codeIssues.qd20,
  };
}

/** The result of job `id` once it has finished (the queue keeps the last 100 finished poll jobs). */
async function waitForResult(queue: Queue<PollJobData>, id: string, timeoutMs: number): Promise<PollResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await Job.fromId<PollJobData, PollResult>(queue, id);
    if (!job) throw new Error(`poll job ${id} vanished before it finished`);
    if (job.finishedOn !== undefined) {
      if (job.failedReason) throw new Error(`poll job ${job.name} for ${job.data.endpointId} failed: ${job.failedReason}`);
      return job.returnvalue;
    }
    if (Date.now() > deadline) throw new Error(`poll job ${id} did not finish within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
