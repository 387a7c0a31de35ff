import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Decides whether an alert is the first of its key within its window. */
export interface AlertDedupe {
  /** `true`: send it (and nobody else will within `windowMs`); `false`: a repeat. */
  claim(key: string, windowMs: number): Promise<boolean>;
}

// Past this many remembered keys, expired ones are forgotten (keys are per endpoint or certificate: few).
const PRUNE_AT = 1_000;

/**
 * Two levels: this process remembers what it sent (a circuit reopening every minute is suppressed
 * without a round trip), and, with Redis, `SET NX PX` makes the first process to claim a key the only
 * one — every worker has its own breaker and every process its own audit probe, so the same trouble is
 * seen by all of them at once. If Redis does not answer, the alert is sent: a duplicate is better
 * than a lost alert.
 */
export function createAlertDedupe(opts: { redis?: Redis; prefix: string; now?: () => number; log: Logger }): AlertDedupe {
  const now = opts.now ?? Date.now;
  const until = new Map<string, number>();
  return {
    async claim(key, windowMs) {
      const t = now();
      if ((until.get(key) ?? 0) > t) return false;
      if (until.size >= PRUNE_AT) for (const [k, end] of until) if (end <= t) until.delete(k);
      until.set(key, t + windowMs);
      if (!opts.redis || windowMs <= 0) return true;
      try {
        return (await opts.redis.set(`${opts.prefix}:alerts:${key}`, String(process.pid), 'PX', windowMs, 'NX')) === 'OK';
      } catch (err) {
        opts.log.warn({ err: (err as Error).message, key }, 'alert de-duplication across processes unavailable: sending');
        return true;
      }
    },
  };
}
