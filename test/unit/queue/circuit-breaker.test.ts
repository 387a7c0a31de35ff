import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState } from '../../../src/queue/circuit-breaker.js';
import { createCircuitRegistry } from '../../../src/queue/circuit-registry.js';

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
    advance(2_000); // a failed trial doubles the open time
    expect(breaker.waitMs()).toBe(0);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.waitMs()).toBe(0);
  });

  it('doubles the open time with each failed trial, up to 16×, and starts again from openFor after a success', () => {
    const { breaker, advance } = setup();
    for (let i = 0; i < 3; i += 1) breaker.recordFailure();
    const opened: number[] = [];
    for (let trial = 0; trial < 7; trial += 1) {
      opened.push(breaker.waitMs());
      advance(breaker.waitMs());
      expect(breaker.waitMs()).toBe(0); // the trial
      breaker.recordFailure();
    }
    expect(opened).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 16_000, 16_000]);
    advance(16_000);
    expect(breaker.waitMs()).toBe(0);
    breaker.recordSuccess();
    for (let i = 0; i < 3; i += 1) breaker.recordFailure();
    expect(breaker.waitMs()).toBe(1_000);
  });

  it('reports its state, since when and the consecutive failures, and tells each change of state', () => {
    let now = 10_000;
    const changes: [CircuitState, CircuitState, number][] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 2, openForMs: 1_000 }, () => now, (to, from) => changes.push([to, from, now]));
    expect(breaker.snapshot()).toEqual({ state: 'closed', since: 0, consecutiveFailures: 0 });
    breaker.recordFailure();
    now += 5;
    breaker.recordFailure();
    expect(breaker.snapshot()).toEqual({ state: 'open', since: 10_005, consecutiveFailures: 2, openUntil: 11_005 });
    // A late failure while open (an attempt in flight when it opened) pushes the trial back but is no new opening.
    now += 100;
    breaker.recordFailure();
    expect(breaker.snapshot()).toEqual({ state: 'open', since: 10_005, consecutiveFailures: 3, openUntil: 11_105 });
    // Past its wait it is reported half-open (the next job gets the trial) before anyone asks.
    now = 11_200;
    expect(breaker.snapshot()).toMatchObject({ state: 'half-open', since: 11_105 });
    expect(breaker.waitMs()).toBe(0);
    breaker.recordFailure(); // the trial fails: reopened, for twice as long
    expect(breaker.snapshot()).toMatchObject({ state: 'open', openUntil: 13_200 });
    now += 2_000;
    expect(breaker.waitMs()).toBe(0);
    breaker.recordSuccess();
    expect(breaker.snapshot()).toEqual({ state: 'closed', since: 13_200, consecutiveFailures: 0 });
    expect(changes).toEqual([['open', 'closed', 10_005], ['half-open', 'open', 11_200], ['open', 'half-open', 11_200], ['half-open', 'open', 13_200], ['closed', 'half-open', 13_200]]);
  });

  it('an opening is one moment: openUntil is exactly openFor after since, however the clock moves meanwhile', () => {
    // A clock that has moved by a millisecond at every reading (a slow machine, a busy event loop).
    let now = 50_000;
    const breaker = new CircuitBreaker({ failureThreshold: 1, openForMs: 4_000 }, () => (now += 1));
    breaker.recordFailure();
    const open = breaker.snapshot();
    expect(open.state).toBe('open');
    expect(open.openUntil! - open.since).toBe(4_000);
  });

  it('a registry keeps one breaker per endpoint, follows changed settings and reports every breaker', () => {
    let now = 0;
    const seen: string[] = [];
    const registry = createCircuitRegistry({ now: () => now, onChange: (endpoint, to, from, snapshot) => seen.push(`${endpoint} ${from}→${to} ${snapshot.consecutiveFailures}`) });
    const endpoint = (id: string, failureThreshold: number) => ({ id, circuitBreaker: { failureThreshold, openForMs: 1_000 } }) as Parameters<typeof registry.forEndpoint>[0];
    const h41 = registry.forEndpoint(endpoint('h41', 3));
    expect(registry.forEndpoint(endpoint('h41', 3))).toBe(h41);
    h41.recordFailure();
    // The endpoint's threshold lowered while the hub runs: the next failure opens it.
    registry.forEndpoint(endpoint('h41', 2)).recordFailure();
    registry.forEndpoint(endpoint('h14', 3)).recordSuccess();
    now = 5;
    expect(seen).toEqual(['h41 closed→open 2']);
    expect(registry.snapshot()).toEqual([
      { endpoint: 'h41', state: 'open', since: 0, consecutiveFailures: 2, openUntil: 1_000 },
      { endpoint: 'h14', state: 'closed', since: 0, consecutiveFailures: 0 },
    ]);
  });
});
