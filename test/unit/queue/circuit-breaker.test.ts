import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/queue/circuit-breaker.js';

describe('circuit breaker', () => {
  const setup = () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, openForMs: 1_000 }, () => now);
    return { breaker, advance: (ms: number) => { now += ms; } };
  };

  it('opens after the threshold of consecutive transient failures and says how long to wait', () => {
    const { breaker, advance } = setup();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.waitMs()).toBe(0);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    advance(400);
    expect(breaker.waitMs()).toBe(600);
  });

  it('a success resets the count', () => {
    const { breaker } = setup();
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
  });

  it('lets exactly one trial through when half-open; its outcome closes or reopens', () => {
    const { breaker, advance } = setup();
    for (let i = 0; i < 3; i += 1) breaker.recordFailure();
    advance(1_000);
    expect(breaker.waitMs()).toBe(0);
    expect(breaker.state).toBe('half-open');
    expect(breaker.waitMs()).toBeGreaterThan(0); // a second caller waits for the trial
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    advance(1_000);
    expect(breaker.waitMs()).toBe(0);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.waitMs()).toBe(0);
  });
});
