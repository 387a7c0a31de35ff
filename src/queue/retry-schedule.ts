import type { RetryPolicy } from '../config/hub-config.js';

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/**
 * After `attemptsMade` failed attempts, should the delivery be tried again and when? The delay is the
 * schedule's entry for the next attempt, spread by ±jitter, at least the server's Retry-After, and the
 * retry must start inside the give-up window.
 */
export function nextRetry(policy: RetryPolicy, attemptsMade: number, elapsedMs: number, opts: { retryAfterMs?: number; random?: () => number } = {}): RetryDecision {
  if (attemptsMade >= policy.scheduleMs.length) return { retry: false, reason: `all ${policy.scheduleMs.length} attempts used` };
  const base = policy.scheduleMs[attemptsMade] ?? 0;
  const spread = base * policy.jitter * ((opts.random ?? Math.random)() * 2 - 1);
  const delayMs = Math.max(Math.round(base + spread), opts.retryAfterMs ?? 0);
  if (elapsedMs + delayMs > policy.giveUpAfterMs) return { retry: false, reason: `next attempt would fall after the give-up window of ${policy.giveUpAfterMs} ms` };
  return { retry: true, delayMs };
}
