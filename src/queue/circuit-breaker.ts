import type { CircuitBreakerPolicy } from '../config/hub-config.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** What a breaker says about its endpoint now (published for the operations API). */
export interface CircuitSnapshot {
  /** `open` past its `openForMs` is reported `half-open`: the next job gets the trial. */
  state: CircuitState;
  /** When the breaker entered that state, ms since the epoch (0: closed since the process started). */
  since: number;
  /** Transient failures in a row since the last success. */
  consecutiveFailures: number;
  /** While open: when a trial attempt may go, ms since the epoch. */
  openUntil?: number;
}

/** Called on every change of state (`from` → `to`), synchronously, after the change. */
export type CircuitListener = (to: CircuitState, from: CircuitState) => void;

/** A circuit that keeps failing its trials stays open this many times `openForMs` at most (2⁴). */
export const MAX_OPEN_GROWTH = 16;

/**
 * A per-endpoint circuit breaker, local to one worker process. After `failureThreshold` consecutive
 * transient failures it opens: attempts are not made (the jobs are delayed, not failed) until
 * `openForMs` has passed; then one trial attempt is let through (half-open), whose outcome closes or
 * reopens the circuit. Each failed trial doubles the next open time, up to {@link MAX_OPEN_GROWTH}×
 * `openForMs` (an endpoint down for an hour is tried every few minutes, not every 30 s, and the jobs
 * parked behind it wake that much less often); a success starts again from `openForMs`.
 */
export class CircuitBreaker {
  private failures = 0;
  private failedTrials = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private changedAt = 0;
  state: CircuitState = 'closed';

  constructor(private policy: CircuitBreakerPolicy, private readonly now: () => number = Date.now, private readonly onChange?: CircuitListener) {}

  /** The endpoint's settings may change while the hub runs: later decisions use the new ones. */
  updatePolicy(policy: CircuitBreakerPolicy): void {
    this.policy = policy;
  }

  /** How long the circuit stays open this time: `openForMs`, doubled for every failed trial in a row (capped). */
  openDurationMs(): number {
    return this.policy.openForMs * Math.min(2 ** this.failedTrials, MAX_OPEN_GROWTH);
  }

  /** The longest the circuit ever stays open: `openForMs` × {@link MAX_OPEN_GROWTH}. */
  maxOpenMs(): number {
    return this.policy.openForMs * MAX_OPEN_GROWTH;
  }

  /** `0` when an attempt may go now, else milliseconds until the circuit may let one through. */
  waitMs(): number {
    if (this.state === 'closed') return 0;
    const remaining = this.openedAt + this.openDurationMs() - this.now();
    if (this.state === 'open' && remaining > 0) return remaining;
    if (this.trialInFlight) return Math.max(100, Math.round(this.policy.openForMs / 10));
    this.moveTo('half-open');
    this.trialInFlight = true;
    return 0;
  }

  recordSuccess(): void {
    this.failures = 0;
    this.failedTrials = 0;
    this.trialInFlight = false;
    this.moveTo('closed');
  }

  /** Only transient failures count: a permanent one says nothing about the endpoint's health. */
  recordFailure(): void {
    this.failures += 1;
    this.trialInFlight = false;
    if (this.state === 'half-open') this.failedTrials += 1;
    if (this.state === 'half-open' || this.failures >= this.policy.failureThreshold) {
      // Reopening from half-open is a change of state; a failure while open (an attempt already in
      // flight when the circuit opened) only pushes the trial back, `since` stays.
      // One reading of the clock: `since` and `openUntil` of an opening are then exactly openFor apart.
      const now = this.now();
      this.openedAt = now;
      this.moveTo('open', now);
    }
  }

  /** An attempt that was let through but ended without an outcome (e.g. shutdown). */
  recordAbandoned(): void {
    this.trialInFlight = false;
  }

  snapshot(): CircuitSnapshot {
    const openUntil = this.openedAt + this.openDurationMs();
    if (this.state === 'open' && this.now() >= openUntil) return { state: 'half-open', since: openUntil, consecutiveFailures: this.failures };
    return {
      state: this.state, since: this.changedAt, consecutiveFailures: this.failures,
      ...(this.state === 'open' ? { openUntil } : {}),
    };
  }

  private moveTo(state: CircuitState, at = this.now()): void {
    if (state === this.state) return;
    const from = this.state;
    this.state = state;
    this.changedAt = at;
    this.onChange?.(state, from);
  }
}
