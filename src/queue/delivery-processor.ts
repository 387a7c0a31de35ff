import { Readable } from 'node:stream';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Dossier } from '../domain/dossier.js';
import type { ForwardedEdxml } from '../forwarding/forwarded-edxml.js';
import type { AdapterTable, DeliveryOutcome } from '../adapters/adapter-contract.js';
import type { EndpointConfig, HubConfig } from '../config/hub-config.js';
import { signJws, type JwsSigner } from '../crypto/jws.js';
import type { Message } from '../domain/message.js';
import type { Metrics } from '../metrics.js';
import { issueReceipt } from '../receipts/issue-receipt.js';
import type { BlobStore } from '../store/blob-store.js';
import type { ClaimedDelivery } from '../store/claim-deliveries.js';
import type { GroupCommit } from '../store/group-commit.js';
import type { DeliveryOutcomeRecord } from '../store/write-delivery-outcomes.js';
import type { BacklogRelease } from './backlog-release.js';
import { createCircuitRegistry, type CircuitRegistry } from './circuit-registry.js';
import { EndpointSlots, type Slot } from './endpoint-slots.js';
import type { DeliverJobData } from './job-catalogue.js';
import type { PausedEndpoints } from './paused-endpoints.js';
import { RetryLaterError } from './retry-later-error.js';
import { nextRetry } from './retry-schedule.js';

export interface DeliveryProcessorDeps {
  config: HubConfig;
  adapters: AdapterTable;
  blobs: BlobStore;
  signer: JwsSigner;
  issuer: string;
  /** Loads a delivery with its message and marks it sending (batched with other jobs' claims). */
  claims: GroupCommit<string, ClaimedDelivery | undefined>;
  /** Records attempt outcomes (batched: one statement per batch). */
  outcomes: GroupCommit<DeliveryOutcomeRecord, void>;
  metrics: Metrics;
  log: Logger;
  now(): Date;
  /** Aborted at shutdown: in-flight attempts end as transient failures and are retried. */
  shutdown: AbortSignal;
  /** The signed edXML of a message as the hub forwards it (built and signed once per message). */
  forwardedEdxml: ForwardedEdxml;
  /** The dossier a `dossier` message is about, as stored now (absent where dossiers are not served). */
  readDossier?: (dossierId: string) => Promise<Dossier>;
  /** Endpoints an operator paused: their jobs are set aside unclaimed (absent: nothing is ever paused). */
  pauses?: PausedEndpoints;
  /** This process's circuit breakers, shared with the publisher that reports them (absent: private ones). */
  circuits?: CircuitRegistry;
  /** Told of every delivery given up (the `delivery-failed` alert); must not block or throw. */
  givenUp?: (failure: GivenUpDelivery) => void;
  /** Sends an endpoint's waiting deliveries on, oldest first, when it answers again after its circuit opened. */
  backlog?: BacklogRelease;
  /** Retry schedules, give-up windows and circuit open times run this many times fast (drills, tests; default 1). */
  policyTimeScale?: number;
}

/** A delivery that reached `failed`: what the alert says about it. */
export interface GivenUpDelivery {
  endpoint: string;
  deliveryId: string;
  messageId: string;
  recipient: string;
  attempts: number;
  reason: string;
}

export type DeliveryProcessor = (job: Job<DeliverJobData>, token?: string) => Promise<void>;

/**
 * The worker's job handler. Reads as its steps: paused? (set aside) → load → check (state, circuit, per-endpoint limit) →
 * attempt once through the adapter → record (attempt, state, receipt, audit in one group commit) →
 * tell the queue (done, retry after the endpoint's delay, or stop).
 */
export function createDeliveryProcessor(deps: DeliveryProcessorDeps): DeliveryProcessor {
  const circuits = deps.circuits ?? createCircuitRegistry();
  const timed = policyClock(deps.policyTimeScale ?? 1);
  const slots = new EndpointSlots();
  const breakerFor = (endpoint: EndpointConfig) => circuits.forEndpoint(timed(endpoint));

  // 0. paused by an operator? The cached set (polled every 500 ms) costs nothing; a hit is confirmed in
  // the database, since a resume may have committed since the last poll and queued this very job.
  // A paused endpoint's job ends here, unclaimed and unattempted: the delivery stays queued or
  // retrying in the database, its attempts and give-up window untouched, and resuming queues it again.
  const setAsideIfPaused = async (job: Job<DeliverJobData>): Promise<boolean> => {
    const pauses = deps.pauses;
    if (!pauses?.cached(job.data.endpointId) || !(await pauses.confirm(job.data.endpointId))) return false;
    deps.metrics.pausedJobsSetAside.inc({ endpoint: job.data.endpointId });
    deps.log.debug({ deliveryId: job.data.deliveryId, endpoint: job.data.endpointId }, 'endpoint paused: job set aside');
    return true;
  };

  // How long a job that may not go now is parked. Behind a busy endpoint: about one attempt's duration
  // (see EndpointSlots.parkMs). Behind an open circuit, with a backlog release: past the trial by up
  // to twice the longest open time — the trial wakes the oldest waiting delivery, and when it
  // succeeds the release sends every parked job on, oldest first; one that came back on its own
  // before that would jump the line. (Should the trial never come, e.g. its worker died, parked jobs
  // come back by themselves after that long.) Without a release: right after the trial, spread.
  const parkFor = (endpoint: EndpointConfig, circuitWaitMs: number): number => {
    if (circuitWaitMs === 0) return slots.parkMs(endpoint.id);
    if (!deps.backlog) return Math.round(circuitWaitMs * (1 + Math.random()));
    return Math.round(circuitWaitMs + breakerFor(endpoint).maxOpenMs() * (1 + Math.random()));
  };

  // Each time an endpoint's circuit opens, its trial is set up: when the open time ends, the oldest
  // delivery waiting for the endpoint is woken, and the trial is kept for it (for one open time at
  // most, should another process have taken the job): a job that merely came due first would go
  // first, ahead of older ones, if the endpoint is back.
  const trials = new Map<string, NodeJS.Timeout>();
  const reservedTrial = new Map<string, { jobId: string; until: number }>();
  const scheduleTrial = (endpoint: EndpointConfig): void => {
    const backlog = deps.backlog;
    const openUntil = breakerFor(endpoint).snapshot().openUntil;
    if (!backlog || openUntil === undefined) return;
    clearTimeout(trials.get(endpoint.id));
    reservedTrial.delete(endpoint.id);
    const timer = setTimeout(() => {
      trials.delete(endpoint.id);
      void backlog.wakeOldest(endpoint.id).then((jobId) => {
        if (jobId) reservedTrial.set(endpoint.id, { jobId, until: Date.now() + Math.max(1_000, timed(endpoint).circuitBreaker.openForMs) });
      });
    }, Math.max(0, openUntil - Date.now()) + 10);
    timer.unref();
    trials.set(endpoint.id, timer);
  };
  /** The breaker's answer for this job: 0 = go (possibly as the trial), else ms to wait. */
  const circuitWaitMs = (job: Job<DeliverJobData>, endpoint: EndpointConfig): number => {
    const breaker = breakerFor(endpoint);
    const reserved = reservedTrial.get(endpoint.id);
    if (reserved && (breaker.state === 'closed' || reserved.until < Date.now())) reservedTrial.delete(endpoint.id);
    else if (reserved && reserved.jobId !== job.id && breaker.snapshot().state === 'half-open') return Math.max(100, reserved.until - Date.now());
    const wait = breaker.waitMs();
    if (wait === 0 && reserved?.jobId === job.id) reservedTrial.delete(endpoint.id);
    return wait;
  };

  // 1. check: may an attempt go now? If so, take one of the endpoint's slots and return it; if not,
  // park the job without spending an attempt. The slot is checked before the breaker, because a
  // half-open breaker hands its one trial to whoever asks.
  const takeSlotOrPark = async (job: Job<DeliverJobData>, token: string | undefined, endpoint: EndpointConfig): Promise<Slot> => {
    const slot = await slots.acquire(endpoint.id, endpoint.maxConcurrency);
    const wait = slot ? circuitWaitMs(job, endpoint) : 0;
    if (slot) deps.metrics.circuitOpen.set({ endpoint: endpoint.id }, wait > 0 ? 1 : 0);
    if (slot && wait === 0) return slot;
    slot?.cancel();
    await job.moveToDelayed(Date.now() + parkFor(endpoint, wait), token);
    throw new DelayedError();
  };

  // 3. attempt once (2. is the claim, in the handler)
  const attempt = async (delivery: ClaimedDelivery, endpoint: EndpointConfig, attemptNo: number, log: () => Logger): Promise<DeliveryOutcome> => {
    const adapter = deps.adapters[endpoint.adapter];
    // One controller per attempt, aborted by its timeout or by shutdown. (AbortSignal.any over the
    // long-lived shutdown signal keeps a dependant per attempt alive in Node 20.)
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`attempt timed out after ${endpoint.timeoutMs} ms`)), endpoint.timeoutMs);
    const onShutdown = (): void => controller.abort(new Error('worker shutting down'));
    deps.shutdown.addEventListener('abort', onShutdown, { once: true });
    const signal = controller.signal;
    try {
      return await adapter.deliver(delivery.message, {
        deliveryId: delivery.id,
        attempt: attemptNo,
        idempotencyKey: delivery.id,
        recipient: delivery.recipient,
        endpoint: { id: endpoint.id, settings: endpoint.settings },
        signal,
        signJws: (payload, typ) => signJws(deps.signer, payload, typ),
        openAttachment: (sha256) => {
          const inline = delivery.inlineBlobs.get(sha256);
          return inline ? Readable.from([inline]) : deps.blobs.open(sha256);
        },
        // The claim read the message and its inline attachments already: forwarding reads only what is its own.
        edxml: () => deps.forwardedEdxml(delivery.message.id, { message: delivery.message, inlineBlobs: delivery.inlineBlobs }),
        dossier: () => {
          const operation = delivery.message.dossier;
          if (!operation || !deps.readDossier) return Promise.reject(new Error(`message ${delivery.message.id} is not about a dossier`));
          return deps.readDossier(operation.dossierId);
        },
        get log() {
          return log();
        },
        now: deps.now,
      });
    } catch (err) {
      // An adapter that throws broke its contract; treat it as transient so nothing is lost.
      log().error({ err }, 'adapter threw instead of returning an outcome');
      return { kind: 'transient', reason: `adapter error: ${(err as Error).message}` };
    } finally {
      clearTimeout(timer);
      deps.shutdown.removeEventListener('abort', onShutdown);
    }
  };

  // 4. record
  const record = async (delivery: ClaimedDelivery, endpoint: EndpointConfig, attemptNo: number, startedAt: Date, outcome: DeliveryOutcome): Promise<{ state: 'delivered' | 'retrying' | 'failed'; delayMs?: number; reason?: string }> => {
    const at = deps.now();
    let state: 'delivered' | 'retrying' | 'failed';
    let delayMs: number | undefined;
    let reason: string | undefined;
    switch (outcome.kind) {
      case 'delivered':
        state = 'delivered';
        break;
      case 'permanent':
        state = 'failed';
        reason = outcome.reason;
        break;
      case 'transient': {
        const decision = nextRetry(timed(endpoint).retry, attemptNo, at.getTime() - delivery.cycleStartedAt.getTime(),
          outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {});
        if (decision.retry) {
          state = 'retrying';
          delayMs = decision.delayMs;
        } else {
          state = 'failed';
        }
        reason = decision.retry ? outcome.reason : `${outcome.reason}; giving up: ${decision.reason}`;
        break;
      }
      default: {
        const never: never = outcome;
        throw new Error(`unknown outcome ${JSON.stringify(never)}`);
      }
    }
    const m = delivery.message;
    const receipt = state === 'retrying' ? undefined : await issueReceipt(deps.signer, deps.issuer, {
      event: state === 'delivered' ? 'delivered' : 'failed',
      messageId: m.id, deliveryId: delivery.id, sender: m.sender, recipient: delivery.recipient, contentSha256: m.contentSha256,
      ...(m.document?.documentId ? { documentId: m.document.documentId } : {}),
      ...(reason ? { detail: reason } : {}),
      at,
    });
    await deps.outcomes.submit({
      deliveryId: delivery.id, at, state,
      attempt: {
        attempt: attemptNo, generation: delivery.generation, startedAt, finishedAt: at, outcome: outcome.kind,
        ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}),
        ...(outcome.kind === 'delivered' ? (outcome.detail ? { detail: outcome.detail } : {}) : { detail: outcome.reason }),
      },
      nextAttemptAt: delayMs !== undefined ? new Date(at.getTime() + delayMs) : null,
      lastError: reason ?? null,
      ...(outcome.kind === 'delivered' && outcome.remoteId ? { remoteId: outcome.remoteId } : {}),
      ...(receipt ? { receipt } : {}),
      audit: [{
        at, actor: 'worker', kind: `delivery.${state}`, messageId: m.id, deliveryId: delivery.id,
        data: { endpoint: endpoint.id, attempt: attemptNo, outcome: outcome.kind, ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}),
          ...(reason ? { reason: reason.slice(0, 500) } : {}), ...(delayMs !== undefined ? { retryInMs: delayMs } : {}),
          ...(outcome.kind === 'delivered' && outcome.remoteId ? { remoteId: outcome.remoteId } : {}) },
      }],
    });
    return { state, ...(delayMs !== undefined ? { delayMs } : {}), ...(reason ? { reason } : {}) };
  };

  return async (job, token) => {
    if (await setAsideIfPaused(job)) return;
    const endpoint = deps.config.endpoints.get(job.data.endpointId);
    const slot = endpoint ? await takeSlotOrPark(job, token, endpoint) : undefined;
    let attempted = false;
    try {
      await handle(job, endpoint, () => slot?.release(), () => { attempted = true; });
    } finally {
      if (attempted) slot?.release();
      else slot?.cancel();
      // A breaker trial handed to a job that made no attempt (stale job, shutdown) must be given back.
      if (endpoint && !attempted) breakerFor(endpoint).recordAbandoned();
    }
  };

  async function handle(job: Job<DeliverJobData>, endpoint: EndpointConfig | undefined, release: () => void, attempting: () => void): Promise<void> {
    const startedAt = deps.now();
    const delivery = await deps.claims.submit(job.data.deliveryId);
    if (!delivery || delivery.state === 'delivered' || delivery.state === 'failed' || delivery.endpointId === null) return; // stale job: nothing to do
    // Made when something is logged: a pino child serialises (and redacts) its bindings up front,
    // ~1.5 % of a worker's CPU per delivery when nearly every delivery logs nothing.
    let child: Logger | undefined;
    const log = (): Logger => (child ??= deps.log.child({ deliveryId: delivery.id, messageId: delivery.message.id, endpoint: delivery.endpointId }));
    const attemptNo = delivery.attempts + 1;
    if (!endpoint || delivery.endpointId !== endpoint.id) {
      const reason = `endpoint ${delivery.endpointId} is no longer configured`;
      await record(delivery, fallbackEndpoint(delivery.endpointId), attemptNo, startedAt, { kind: 'permanent', reason });
      deps.givenUp?.({ endpoint: delivery.endpointId, deliveryId: delivery.id, messageId: delivery.message.id, recipient: delivery.recipient, attempts: attemptNo, reason });
      throw new UnrecoverableError(reason);
    }

    attempting();
    const outcome = await attempt(delivery, endpoint, attemptNo, log);
    release();
    const finished = deps.now();
    deps.metrics.attemptSeconds.observe({ endpoint: endpoint.id }, (finished.getTime() - startedAt.getTime()) / 1000);
    deps.metrics.deliveryAttempts.inc({ endpoint: endpoint.id, outcome: outcome.kind });
    const breaker = breakerFor(endpoint);
    if (outcome.kind === 'delivered') {
      // Answering again after its circuit opened: what waits on a retry delay need not wait longer.
      const recovered = breaker.state !== 'closed';
      breaker.recordSuccess();
      if (recovered) deps.backlog?.release(endpoint.id);
    } else if (outcome.kind === 'transient') {
      breaker.recordFailure();
      if (breaker.state === 'open') scheduleTrial(endpoint);
    } else {
      breaker.recordAbandoned();
    }

    const result = await record(delivery, endpoint, attemptNo, startedAt, outcome);
    if (result.state === 'delivered') {
      deps.metrics.deliveriesFinished.inc({ endpoint: endpoint.id, state: 'delivered' });
      deps.metrics.acceptToDeliveredSeconds.observe({ endpoint: endpoint.id }, (finished.getTime() - delivery.message.createdAt.getTime()) / 1000);
      return;
    }
    if (result.state === 'failed') {
      deps.metrics.deliveriesFinished.inc({ endpoint: endpoint.id, state: 'failed' });
      log().warn({ reason: result.reason }, 'delivery failed');
      deps.givenUp?.({ endpoint: endpoint.id, deliveryId: delivery.id, messageId: delivery.message.id, recipient: delivery.recipient, attempts: attemptNo, reason: result.reason ?? 'failed' });
      throw new UnrecoverableError(result.reason ?? 'failed');
    }
    throw new RetryLaterError(result.reason ?? 'transient failure', result.delayMs ?? 1_000);
  }
}

/**
 * An endpoint as the worker times it: with `scale` > 1 its retry delays, give-up window and circuit
 * open time are that many times shorter (a drill's simulated hour). One copy per endpoint object, so
 * a configuration change (a new object) is picked up and a breaker keeps seeing the same policy.
 */
function policyClock(scale: number): (endpoint: EndpointConfig) => EndpointConfig {
  if (scale === 1) return (endpoint) => endpoint;
  const copies = new WeakMap<EndpointConfig, EndpointConfig>();
  return (endpoint) => {
    let copy = copies.get(endpoint);
    if (!copy) {
      copy = {
        ...endpoint,
        retry: { ...endpoint.retry, scheduleMs: endpoint.retry.scheduleMs.map((ms) => ms / scale), giveUpAfterMs: endpoint.retry.giveUpAfterMs / scale },
        circuitBreaker: { ...endpoint.circuitBreaker, openForMs: endpoint.circuitBreaker.openForMs / scale },
      };
      copies.set(endpoint, copy);
    }
    return copy;
  };
}

function fallbackEndpoint(id: string): EndpointConfig {
  return {
    id, adapter: 'http-endpoint', settings: {}, authoredSettings: {},
    retry: { scheduleMs: [0], jitter: 0, giveUpAfterMs: 0 }, timeoutMs: 0, maxConcurrency: 1,
    circuitBreaker: { failureThreshold: 1, openForMs: 0 },
  };
}
