import { Readable } from 'node:stream';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Dossier } from '../domain/dossier.js';
import type { ForwardedEdxml } from '../forwarding/forwarded-edxml.js';
import type { AdapterTable, DeliveryOutcome } from '../adapters/adapter-contract.js';
import { storableOutcome } from '../adapters/storable-outcome.js';
import { DEFAULT_RETRY, type EndpointConfig, type HubConfig } from '../config/hub-config.js';
import type { LiveConfig } from '../config/live-config.js';
import { signJws, type JwsSigner } from '../crypto/jws.js';
import type { Message } from '../domain/message.js';
import type { Metrics } from '../metrics.js';
import { issueReceipt, RECEIPT_TYP } from '../receipts/issue-receipt.js';
import type { BlobStore } from '../store/blob-store.js';
import type { ClaimedDelivery } from '../store/claim-deliveries.js';
import type { GroupCommit } from '../store/group-commit.js';
import type { DeliveryOutcomeRecord, OutcomeWrite } from '../store/write-delivery-outcomes.js';
import type { BacklogRelease } from './backlog-release.js';
import { createCircuitRegistry, type CircuitRegistry } from './circuit-registry.js';
import { EndpointSlots, type Slot } from './endpoint-slots.js';
import { deliverJobId, type DeliverJobData } from './job-catalogue.js';
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
  /**
   * Records attempt outcomes (batched: one statement per batch). `superseded`: another job recorded
   * this attempt of the delivery first (a claim is not a lock); nothing of this one was written.
   */
  outcomes: GroupCommit<DeliveryOutcomeRecord, OutcomeWrite>;
  metrics: Metrics;
  log: Logger;
  now(): Date;
  /**
   * Aborted at shutdown: attempts in flight are cut short and count for nothing (no attempt, no
   * breaker failure); their jobs go back to the queue at once, for the next worker.
   */
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
  /**
   * The live configuration `config` reads through: a job for an endpoint this process does not know
   * makes it catch up first (the endpoint may be newer than its last poll). Absent: `config` is all
   * there is, and an endpoint it lacks is gone.
   */
  live?: Pick<LiveConfig, 'catchUp' | 'version'>;
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
 * What the check step decided for a job it did not park: go, holding one of the endpoint's slots; or
 * give the delivery up without an attempt, since it would be parked behind an open circuit once more
 * and its job is older than the give-up window (`parkMs`: how long to park it after all, should the
 * delivery's row say its window has not passed).
 */
/** What record() wrote: the delivery's new state — or nothing, another job having recorded this attempt first. */
type Recorded = { state: 'delivered' | 'retrying' | 'failed'; delayMs?: number; reason?: string } | { state: 'superseded' };

type Go = { slot: Slot; overdue?: undefined } | { slot?: undefined; overdue: { why: string; parkMs: number } };

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

  /** Back to the queue's delayed set for `ms` (0: at once), the delivery's row as it is: no attempt is spent. */
  const park = async (job: Job<DeliverJobData>, token: string | undefined, ms: number): Promise<never> => {
    await job.moveToDelayed(Date.now() + ms, token);
    throw new DelayedError();
  };

  /** Whether a delivery whose cycle started at `cycleStartedAtMs` is past its endpoint's give-up window at `nowMs`. */
  const pastGiveUp = (endpoint: EndpointConfig, cycleStartedAtMs: number, nowMs: number): boolean =>
    nowMs - cycleStartedAtMs > timed(endpoint).retry.giveUpAfterMs;

  // 1. check: may an attempt go now? If so, take one of the endpoint's slots and return it; if not,
  // park the job without spending an attempt. The slot is checked before the breaker, because a
  // half-open breaker hands its one trial to whoever asks.
  // Only attempts give up (record()), and behind an open circuit a delivery may be parked again and
  // again for as long as its endpoint is down: one past its give-up window is given up instead. Parking
  // is the hot path of an outage, so the window is judged first by the job's age, which costs nothing:
  // a job is added once its delivery's row is written (acceptance, replay, resume), so it is no older
  // than the delivery's cycle, and a job past the window has a delivery past it. Only those go on to
  // the claim, which the failed receipt needs anyway and which confirms the window against the row. (A
  // job added later than its cycle began — re-added by the sweeper — looks younger than its delivery
  // is: that delivery is given up one window after its job was re-added at the latest, or sooner by
  // the circuit's trial, which goes to the oldest delivery and records its give-up.) A busy endpoint is
  // up: its parked jobs get their attempt within seconds, and record() judges the window then.
  const takeSlotOrPark = async (job: Job<DeliverJobData>, token: string | undefined, endpoint: EndpointConfig): Promise<Go> => {
    const slot = await slots.acquire(endpoint.id, endpoint.maxConcurrency);
    const wait = slot ? circuitWaitMs(job, endpoint) : 0;
    if (slot) deps.metrics.circuitOpen.set({ endpoint: endpoint.id }, wait > 0 ? 1 : 0);
    if (slot && wait === 0) return { slot };
    slot?.cancel();
    const parkMs = parkFor(endpoint, wait);
    if (wait > 0 && pastGiveUp(endpoint, job.timestamp, Date.now())) return { overdue: { why: 'circuit open', parkMs } };
    return park(job, token, parkMs);
  };

  // 3. attempt once (2. is the claim, in the handler). Undefined: cut short by this worker's shutdown
  // (or not started, the worker shutting down already) — no answer of the endpoint's to record.
  const attempt = async (delivery: ClaimedDelivery, endpoint: EndpointConfig, attemptNo: number, log: () => Logger): Promise<DeliveryOutcome | undefined> => {
    if (deps.shutdown.aborted) return undefined;
    const adapter = deps.adapters[endpoint.adapter];
    // One controller per attempt, aborted by its timeout or by shutdown. (AbortSignal.any over the
    // long-lived shutdown signal keeps a dependant per attempt alive in Node 20.)
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`attempt timed out after ${endpoint.timeoutMs} ms`)), endpoint.timeoutMs);
    let cutShort = false;
    const onShutdown = (): void => {
      if (controller.signal.aborted) return; // timed out first: an attempt like any other
      cutShort = true;
      controller.abort(new Error('worker shutting down'));
    };
    deps.shutdown.addEventListener('abort', onShutdown, { once: true });
    const signal = controller.signal;
    let outcome: DeliveryOutcome;
    try {
      outcome = await adapter.deliver(delivery.message, {
        deliveryId: delivery.id,
        attempt: attemptNo,
        idempotencyKey: delivery.id,
        recipient: delivery.recipient,
        endpoint: { id: endpoint.id, settings: endpoint.settings },
        signal,
        // With the hub's key, anything but a receipt: receipts are the hub's word, issued by the hub alone.
        signJws: (payload, typ) => (typ === RECEIPT_TYP
          ? Promise.reject(new Error(`adapters may not sign a JWS of typ ${RECEIPT_TYP}: receipts are issued by the hub`))
          : signJws(deps.signer, payload, typ)),
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
      if (!cutShort) log().error({ err }, 'adapter threw instead of returning an outcome');
      outcome = { kind: 'transient', reason: `adapter error: ${(err as Error).message}` };
    } finally {
      clearTimeout(timer);
      deps.shutdown.removeEventListener('abort', onShutdown);
    }
    // What an adapter makes of our own abort says nothing about the endpoint. A delivered answer that
    // came in first stands: the receiver has the message.
    return cutShort && outcome.kind !== 'delivered' ? undefined : outcome;
  };

  // 4. record. Every text of the outcome is made storable first, here, whatever the adapter did.
  const record = async (delivery: ClaimedDelivery, endpoint: EndpointConfig, attemptNo: number, startedAt: Date, answer: DeliveryOutcome): Promise<Recorded> => {
    const outcome = storableOutcome(answer);
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
    const written = await deps.outcomes.submit({
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
    if (written === 'superseded') return { state: 'superseded' };
    return { state, ...(delayMs !== undefined ? { delayMs } : {}), ...(reason ? { reason } : {}) };
  };

  // 5. tell the queue: done, stop (with the alert), or retry after the delay record() chose.
  const settle = (delivery: ClaimedDelivery, endpoint: EndpointConfig, attemptNo: number, finished: Date, result: Recorded, log: () => Logger): void => {
    if (result.state === 'superseded') {
      // Another job of this delivery recorded the attempt first: its outcome stands, this job ends quietly.
      log().info({ attempt: attemptNo }, 'attempt already recorded by another job of this delivery: outcome dropped');
      return;
    }
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
  };

  // 0b. an endpoint this process does not know may be newer than its last look at the configuration:
  // catch up first. Still unknown, it is gone only if the newest revision lacks it (the delivery was
  // routed under that one or an older one); otherwise, or if the endpoint cannot be used in this
  // process, the delivery waits — transient, never failed for what another process may have.
  const notUsableHere = async (endpointId: string, endpoint: EndpointConfig | undefined): Promise<NotUsable> => {
    if (endpoint?.unavailable) return { endpoint, outcome: { kind: 'transient', reason: `not attempted: endpoint ${endpointId} cannot be used by this worker: ${endpoint.unavailable.reason}` } };
    const newest = deps.live ? await deps.live.catchUp() : true;
    const found = deps.config.endpoints.get(endpointId);
    if (found && !found.unavailable) return { usable: found };
    if (found) return notUsableHere(endpointId, found);
    if (newest) return { endpoint: fallbackEndpoint(endpointId), outcome: { kind: 'permanent', reason: `endpoint ${endpointId} is no longer configured` } };
    return {
      endpoint: fallbackEndpoint(endpointId),
      outcome: { kind: 'transient', reason: `not attempted: endpoint ${endpointId} is not in this worker's configuration (version ${deps.live?.version()}), which is not the newest` },
    };
  };

  return async (job, token) => {
    if (await setAsideIfPaused(job)) return;
    let endpoint = deps.config.endpoints.get(job.data.endpointId);
    if (!endpoint || endpoint.unavailable) {
      const verdict = await notUsableHere(job.data.endpointId, endpoint);
      if (!('usable' in verdict)) return recordNotUsable(job, verdict);
      endpoint = verdict.usable;
    }
    const go = await takeSlotOrPark(job, token, endpoint);
    let told = false;
    try {
      await handle(job, token, endpoint, go, () => { told = true; });
    } finally {
      if (go.slot) {
        go.slot.cancel(); // nothing once released by an attempt
        // A breaker trial handed to a job that made no attempt (stale job, shutdown) must be given back.
        if (!told) breakerFor(endpoint).recordAbandoned();
      }
    }
  };

  /** 2. load: the delivery the job is for, or undefined for a stale job (nothing to do). */
  async function claim(job: Job<DeliverJobData>): Promise<{ delivery: ClaimedDelivery & { endpointId: string }; log: () => Logger } | undefined> {
    const delivery = await deps.claims.submit(job.data.deliveryId);
    if (!delivery || delivery.state === 'delivered' || delivery.state === 'failed' || delivery.endpointId === null) return undefined; // stale job: nothing to do
    // A job of an earlier generation (queued before an admin replay or resend): the replay queued its own.
    if (job.id !== deliverJobId(delivery.id, delivery.generation)) return undefined;
    // Made when something is logged: a pino child serialises (and redacts) its bindings up front,
    // ~1.5 % of a worker's CPU per delivery when nearly every delivery logs nothing.
    let child: Logger | undefined;
    const log = (): Logger => (child ??= deps.log.child({ deliveryId: delivery.id, messageId: delivery.message.id, endpoint: delivery.endpointId }));
    return { delivery: delivery as ClaimedDelivery & { endpointId: string }, log };
  }

  /**
   * A delivery this process cannot attempt (see notUsableHere): recorded as not attempted — failed
   * when its endpoint is gone; otherwise retrying on its endpoint's schedule (the last delay repeated,
   * so that only the give-up window ends it) for a worker that can.
   */
  async function recordNotUsable(job: Job<DeliverJobData>, verdict: Exclude<NotUsable, { usable: EndpointConfig }>): Promise<void> {
    const startedAt = deps.now();
    const claimed = await claim(job);
    if (!claimed) return;
    const { delivery, log } = claimed;
    const attemptNo = delivery.attempts + 1;
    const result = await record(delivery, untilGiveUp(verdict.endpoint, attemptNo), attemptNo, startedAt, verdict.outcome);
    if (result.state === 'retrying') log().warn({ reason: result.reason, retryInMs: result.delayMs }, 'delivery not attempted by this worker: retried later');
    settle(delivery, verdict.endpoint, attemptNo, deps.now(), result, log);
  }

  async function handle(job: Job<DeliverJobData>, token: string | undefined, endpoint: EndpointConfig, go: Go, told: () => void): Promise<void> {
    const startedAt = deps.now();
    const claimed = await claim(job);
    if (!claimed) return;
    const { delivery, log } = claimed;
    const attemptNo = delivery.attempts + 1;
    if (delivery.endpointId !== endpoint.id) {
      // The job names another endpoint than its delivery (never written so): judged by the delivery's.
      const verdict = await notUsableHere(delivery.endpointId, deps.config.endpoints.get(delivery.endpointId));
      const outcome = 'usable' in verdict ? { kind: 'transient' as const, reason: `not attempted: job for endpoint ${endpoint.id}, delivery for ${delivery.endpointId}` } : verdict.outcome;
      const policy = 'usable' in verdict ? verdict.usable : verdict.endpoint;
      return settle(delivery, policy, attemptNo, deps.now(), await record(delivery, untilGiveUp(policy, attemptNo), attemptNo, startedAt, outcome), log);
    }

    if (go.overdue) {
      // Confirmed against the row: a resume moves the cycle's start on, past the job's creation. Not
      // past after all: parked as it would have been (the claim left the row `sending`; the next claim takes it as it is).
      if (!pastGiveUp(endpoint, delivery.cycleStartedAt.getTime(), startedAt.getTime())) return park(job, token, go.overdue.parkMs);
      // record() decides as after a transient failure at this moment: past the window, it gives up.
      const result = await record(delivery, endpoint, attemptNo, startedAt, { kind: 'transient', reason: `not attempted (${go.overdue.why})` });
      return settle(delivery, endpoint, attemptNo, deps.now(), result, log);
    }

    const outcome = await attempt(delivery, endpoint, attemptNo, log);
    if (!outcome) {
      // Cut short by this worker's shutdown: not an attempt. The row stays as the claim left it
      // (`sending`, attempts and give-up window untouched; the next claim takes it as it is) and the
      // job goes back to the queue at once, for the next worker. The request may have reached the
      // receiver: it de-duplicates on the idempotency key.
      log().info('attempt cut short by shutdown: back to the queue, not counted');
      return park(job, token, 0);
    }
    go.slot.release();
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
    told();

    const result = await record(delivery, endpoint, attemptNo, startedAt, outcome);
    settle(delivery, endpoint, attemptNo, finished, result, log);
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

/** What the hub does with a delivery whose endpoint this process cannot use: attempt it after all, or record why not. */
type NotUsable =
  | { usable: EndpointConfig }
  | { endpoint: EndpointConfig; outcome: { kind: 'transient' | 'permanent'; reason: string } };

/** An endpoint this process has no configuration for: the default retry policy (its own is unknown here). */
function fallbackEndpoint(id: string): EndpointConfig {
  return {
    id, adapter: 'http-endpoint', settings: {}, authoredSettings: {},
    retry: DEFAULT_RETRY, timeoutMs: 0, maxConcurrency: 1,
    circuitBreaker: { failureThreshold: 1, openForMs: 0 },
  };
}

/** The endpoint with its last retry delay repeated past attempt `attemptNo`: only the give-up window ends what was never attempted. */
function untilGiveUp(endpoint: EndpointConfig, attemptNo: number): EndpointConfig {
  const schedule = endpoint.retry.scheduleMs;
  if (attemptNo < schedule.length) return endpoint;
  const last = schedule.at(-1) ?? 0;
  return { ...endpoint, retry: { ...endpoint.retry, scheduleMs: [...schedule, ...Array<number>(attemptNo + 1 - schedule.length).fill(last)] } };
}
