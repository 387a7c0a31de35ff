/** A taken slot. Both calls are idempotent; only the first counts. */
export interface Slot {
  /** The attempt ended: frees the slot and counts its duration. */
  release(): void;
  /** No attempt was made after all (circuit open, stale job): frees the slot, counts nothing. */
  cancel(): void;
}

/** An endpoint whose attempts take at most this long (ms) keeps a line of jobs waiting for its slots. */
export const LINE_FOR_TYPICAL_MS = 200;
/** Longest a job waits in line before it is parked after all, ms. */
export const LINE_MAX_WAIT_MS = 2_000;

interface Waiter {
  resolve(slot: Slot | undefined): void;
  timer: NodeJS.Timeout;
}

/**
 * The attempts one worker process has in flight per endpoint, bounded by each endpoint's
 * `maxConcurrency`, and how long that endpoint's attempts take — which is how long a job refused a
 * slot should wait before asking again.
 *
 * A job that finds a fast endpoint's slots taken waits in line for the next one (first come, first
 * served) instead of being parked in the queue's delayed set, whence it would come back at a random
 * moment: an endpoint's backlog, released oldest first when it answers again after an outage, is then
 * delivered oldest first. The line is as long as the endpoint's `maxConcurrency` at most, and only a
 * fast endpoint has one (its typical attempt ≤ {@link LINE_FOR_TYPICAL_MS}): jobs waiting for a slow
 * endpoint would hold the worker's concurrency that other endpoints' jobs need.
 */
export class EndpointSlots {
  /** endpoint → start times (ms) of its attempts in flight. */
  readonly #inFlight = new Map<string, number[]>();
  /** endpoint → jobs waiting for a slot, first come first. */
  readonly #lines = new Map<string, Waiter[]>();
  /** endpoint → moving average of its attempts' durations, ms. */
  readonly #typical = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Takes a slot when fewer than `max` are taken (check and take in one synchronous step: with an
   * await between them, concurrent jobs would all see the same free slot); undefined when the
   * endpoint is busy.
   */
  take(endpointId: string, max: number): Slot | undefined {
    const starts = this.#inFlight.get(endpointId) ?? [];
    if (starts.length >= max) return undefined;
    const startedAt = this.now();
    starts.push(startedAt);
    this.#inFlight.set(endpointId, starts);
    let released = false;
    const free = (record: boolean): void => {
      if (released) return;
      released = true;
      starts.splice(starts.indexOf(startedAt), 1);
      if (record) {
        const took = this.now() - startedAt;
        const before = this.#typical.get(endpointId);
        this.#typical.set(endpointId, before === undefined ? took : Math.round(0.8 * before + 0.2 * took));
      }
      // The freed slot goes to the first in line, at once: a newcomer never finds it free first.
      const next = this.#lines.get(endpointId)?.shift();
      if (next) {
        clearTimeout(next.timer);
        next.resolve(this.take(endpointId, max));
      }
    };
    return { release: () => free(true), cancel: () => free(false) };
  }

  /**
   * A slot now; or, for a fast endpoint with a short line, the next slot freed within
   * {@link LINE_MAX_WAIT_MS}; else undefined (the caller parks the job).
   */
  async acquire(endpointId: string, max: number): Promise<Slot | undefined> {
    const line = this.#lines.get(endpointId) ?? [];
    if (line.length === 0) {
      const now = this.take(endpointId, max);
      if (now) return now;
    }
    if (line.length >= max || this.typicalMs(endpointId) > LINE_FOR_TYPICAL_MS) return undefined;
    this.#lines.set(endpointId, line);
    return new Promise<Slot | undefined>((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          line.splice(line.indexOf(waiter), 1);
          resolve(undefined);
        }, LINE_MAX_WAIT_MS),
      };
      line.push(waiter);
    });
  }

  /** The longer of the endpoint's moving average and the age of its oldest attempt in flight, ms. */
  private typicalMs(endpointId: string): number {
    const starts = this.#inFlight.get(endpointId) ?? [];
    const oldestAge = starts.length > 0 ? this.now() - Math.min(...starts) : 0;
    return Math.max(this.#typical.get(endpointId) ?? 0, oldestAge);
  }

  /**
   * How long a job refused a slot should wait before asking again, ms: about as long as the
   * endpoint's attempts take — the longer of its moving average and the age of its oldest attempt in
   * flight (an endpoint that just turned slow has no finished slow attempt yet) — between 50 ms and
   * 5 s, spread ±50 % so that parked jobs do not come back together. A slow endpoint (10 s answers)
   * with a large backlog then costs the queue a few moves per second, not thousands.
   */
  parkMs(endpointId: string, random: () => number = Math.random): number {
    const typical = Math.min(Math.max(this.typicalMs(endpointId), 50), 5_000);
    return Math.round(typical * (0.5 + random()));
  }
}
