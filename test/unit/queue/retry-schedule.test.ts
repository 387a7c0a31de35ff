import { describe, expect, it } from 'vitest';
import { nextRetry } from '../../../src/queue/retry-schedule.js';

const policy = { scheduleMs: [0, 5_000, 300_000, 1_800_000], jitter: 0.2, giveUpAfterMs: 3_600_000 };

describe('retry schedule', () => {
  it('takes the delay of the next attempt from the schedule, spread by the jitter', () => {
    expect(nextRetry(policy, 1, 0, { random: () => 0.5 })).toEqual({ retry: true, delayMs: 5_000 });
    expect(nextRetry(policy, 1, 0, { random: () => 0 })).toEqual({ retry: true, delayMs: 4_000 });
    expect(nextRetry(policy, 1, 0, { random: () => 1 })).toEqual({ retry: true, delayMs: 6_000 });
    expect(nextRetry(policy, 2, 0, { random: () => 0.5 })).toEqual({ retry: true, delayMs: 300_000 });
  });

  it('stops when every attempt is used', () => {
    expect(nextRetry(policy, 4, 0)).toEqual({ retry: false, reason: 'all 4 attempts used' });
  });

  it('stops when the next attempt would fall after the give-up window', () => {
    const decision = nextRetry(policy, 3, 2_000_000, { random: () => 0.5 });
    expect(decision.retry).toBe(false);
    expect(nextRetry(policy, 3, 1_000_000, { random: () => 0.5 })).toEqual({ retry: true, delayMs: 1_800_000 });
  });

  it('waits at least what the endpoint asked for (Retry-After), capped by the give-up window', () => {
    expect(nextRetry(policy, 1, 0, { random: () => 0.5, retryAfterMs: 60_000 })).toEqual({ retry: true, delayMs: 60_000 });
    expect(nextRetry(policy, 1, 0, { random: () => 0.5, retryAfterMs: 10 * 3_600_000 }).retry).toBe(false);
  });
});
