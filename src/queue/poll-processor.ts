import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { startBudget } from '../adapters/call-budget.js';
import type { AdapterTable, ReceivedOutcome, ReceiveSummary } from '../adapters/adapter-contract.js';
import type { EndpointConfig, HubConfig } from '../config/hub-config.js';
import type { DirectoryAgency } from '../domain/directory-agency.js';
import type { Metrics } from '../metrics.js';
import type { DossierService } from '../dossiers/dossier-service.js';
import { POLL_RESULTS_JOB, RECEIVE_JOB, SYNC_DIRECTORY_JOB, type PollJobData } from './job-catalogue.js';

export interface PollProcessorDeps {
  config: HubConfig;
  adapters: AdapterTable;
  /** The hub's intake for a packet an endpoint's system served (edXML from the axis). */
  intakePacket(endpoint: EndpointConfig, packet: Buffer, source: { remoteId: string; messageType: 'edoc' | 'status' }): Promise<ReceivedOutcome>;
  /** Stores a whole directory as one endpoint's system serves it. */
  storeDirectory(endpoint: EndpointConfig, agencies: DirectoryAgency[], onProgress: (done: number, total: number) => void): Promise<Record<string, number>>;
  /** Pending dossiers of a target endpoint, and what to do with what its system says of them. */
  dossiers?: Pick<DossierService, 'pending' | 'applyUpdates'>;
  /** Counts runs by result (optional: unit tests leave it out). */
  metrics?: Pick<Metrics, 'pollRuns'>;
  log: Logger;
  now(): Date;
  /** Aborted when the worker shuts down. */
  shutdown: AbortSignal;
  /** Longest a run may take (default 5 min): the next tick starts a fresh one. */
  runTimeoutMs?: number;
}

export type PollResult = ReceiveSummary | Record<string, number>;
export type PollProcessor = (job: Job<PollJobData>) => Promise<PollResult>;

/**
 * Runs one poll job: a receive run or a directory sync for one endpoint. Progress goes to the job
 * (visible to operators through BullMQ) and to the log; the return value is kept with the job.
 *
 * Runs of the same job for the same endpoint take turns within this process (a run asked for now
 * while the clock's is in flight waits for it, then runs), so one process never fetches the same
 * pending packets twice at once. Across worker processes the scheduler starts one run per tick; only
 * a run longer than its interval can meet another, and intake de-duplicates documents then.
 */
export function createPollProcessor(deps: PollProcessorDeps): PollProcessor {
  const inFlight = new Map<string, Promise<unknown>>();

  return async (job) => {
    const key = `${job.name}\u0000${job.data.endpointId}`;
    const previous = inFlight.get(key);
    const mine = (async () => {
      if (previous) await previous.catch(() => undefined);
      return runJob(job);
    })();
    inFlight.set(key, mine);
    try {
      return await mine;
    } finally {
      if (inFlight.get(key) === mine) inFlight.delete(key);
    }
  };

  async function runJob(job: Job<PollJobData>): Promise<PollResult> {
    // 1. load: the endpoint and its adapter, as configured now
    const endpoint = deps.config.endpoints.get(job.data.endpointId);
    if (!endpoint) throw new Error(`endpoint ${job.data.endpointId} is no longer configured`);
    // Its settings could not be completed in this process (an environment variable it lacks): asking
    // the remote system with blank credentials would only fail there.
    if (endpoint.unavailable) throw new Error(`endpoint ${endpoint.id} cannot be used by this process: ${endpoint.unavailable.reason}`);
    const adapter = deps.adapters[endpoint.adapter];
    const log = deps.log.child({ endpointId: endpoint.id, adapter: endpoint.adapter, job: job.name });
    // One signal per run, aborted by its time limit or by shutdown.
    const budget = startBudget(deps.shutdown, deps.runTimeoutMs ?? 300_000);
    const count = (result: 'completed' | 'failed'): void => deps.metrics?.pollRuns.inc({ endpoint: endpoint.id, job: job.name, result });
    try {
      const result = await run(job, endpoint, adapter, budget.signal, log);
      count('completed');
      return result;
    } catch (err) {
      count('failed');
      throw err;
    } finally {
      budget.end();
    }
  }

  // 2. act
  async function run(job: Job<PollJobData>, endpoint: EndpointConfig, adapter: AdapterTable[keyof AdapterTable], signal: AbortSignal, log: Logger): Promise<PollResult> {
    switch (job.name) {
      case RECEIVE_JOB: {
        if (!adapter.receive) throw new Error(`adapter ${endpoint.adapter} has no receive loop`);
        const summary = await adapter.receive({
          endpoint: { id: endpoint.id, settings: endpoint.settings },
          signal,
          intake: (packet, source) => deps.intakePacket(endpoint, packet, source),
          log,
          now: deps.now,
        });
        if (summary.fetched > 0 || summary.failed > 0) log.info({ summary }, 'receive run finished');
        return summary;
      }
      case SYNC_DIRECTORY_JOB: {
        if (!adapter.fetchDirectory) throw new Error(`adapter ${endpoint.adapter} serves no directory`);
        const agencies = await adapter.fetchDirectory({ endpoint: { id: endpoint.id, settings: endpoint.settings }, signal, log });
        const counts = await deps.storeDirectory(endpoint, agencies, (done, total) => {
          void job.updateProgress({ done, total }).catch(() => undefined);
        });
        log.info({ agencies: agencies.length, ...counts }, 'directory synchronised');
        return counts;
      }
      case POLL_RESULTS_JOB: {
        if (!adapter.pollDossiers) throw new Error(`adapter ${endpoint.adapter} has no dossier results to poll`);
        if (!deps.dossiers) throw new Error('dossiers are not served by this process');
        const pending = await deps.dossiers.pending(endpoint.id);
        if (pending.length === 0) return { pending: 0, updated: 0, applied: 0 };
        const afterStored: ((stored: ReadonlySet<string>) => Promise<void>)[] = [];
        const updates = await adapter.pollDossiers({
          endpoint: { id: endpoint.id, settings: endpoint.settings }, pending, signal, log, now: deps.now,
          afterStored: (then) => void afterStored.push(then),
        });
        const { applied, failed } = await deps.dossiers.applyUpdates(endpoint, updates);
        const notStored = new Set(failed);
        const stored = new Set(pending.map((p) => p.dossierId).filter((id) => !notStored.has(id)));
        for (const then of afterStored) {
          await then(stored).catch((err: unknown) => log.warn({ err }, 'the adapter\'s follow-up to stored updates failed'));
        }
        if (updates.length > 0) log.info({ pending: pending.length, updated: updates.length, applied, failed: failed.length }, 'dossier results polled');
        // Counted as a failed run (metrics, job record); what was stored stays stored.
        if (failed.length > 0) throw new Error(`${failed.length} of ${updates.length} dossier updates could not be stored`);
        return { pending: pending.length, updated: updates.length, applied };
      }
      default:
        throw new Error(`unknown poll job ${job.name}`);
    }
  }
}
