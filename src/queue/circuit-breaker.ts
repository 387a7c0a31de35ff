import type { CircuitBreakerPolicy } from '../config/hub-config.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * A per-endpoint circuit breaker, local to one worker process. After `failureThreshold` consecutive
 * transient failures it opens: attempts are not made (the jobs are delayed, not failed) until
 * `openForMs` has passed; then one trial attempt is let through (half-open), whose outcome closes or
 * reopens the circuit.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  state: CircuitState = 'closed';

  constructor(private readonly policy: CircuitBreakerPolicy, private readonly now: () => number = Date.now) {}

  /** `0` when an attempt may go now, else milliseconds until the circuit may let one through. */
  waitMs(): number {
    if (this.state === 'closed') return 0;
    const remaining = this.openedAt + this.policy.openForMs - this.now();
    if (this.state === 'open' && remaining > 0) return remaining;
    if (this.trialInFlight) return Math.max(100, Math.round(this.policy.openForMs / 10));
    this.state = 'half-open';
    this.trialInFlight = true;
    return 0;
  }

  recordSuccess(): void {
    this.failures = 0;
    this.trialInFlight = false;
    this.state = 'closed';
  }

  /** Only transient failures count: a permanent one says nothing about the endpoint's health. */
  recordFailure(): void {
    this.failures += 1;
    this.trialInFlight = false;
    if (this.state === 'half-open' || this.failures >= this.policy.failureThreshold) {
      this.state = 'open';
      this.openedAt = this.now();
    }
  }

  /** An attempt that was let through but ended without an outcome (e.g. shutdown). */
  recordAbandoned(): void {
    this.trialInFlight = false;
  }
}
