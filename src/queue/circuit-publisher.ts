import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CircuitRegistry } from './circuit-registry.js';

/** How often a worker republishes its breakers, and how long a published state outlives its worker. */
export const CIRCUIT_PUBLISH_EVERY_MS = 1_000;
export const CIRCUIT_PUBLISH_TTL_MS = 5_000;

/** The Redis key of one worker's breakers: `<prefix>:circuits:<worker id>` (read with SCAN `<prefix>:circuits:*`). */
export function circuitKey(prefix: string, workerId: string): string {
  return `${prefix}:circuits:${workerId}`;
}

/** What one worker publishes: its breakers, times in ISO 8601. */
export interface PublishedCircuits {
  worker: string;
  at: string;
  endpoints: { endpoint: string; state: string; since: string | null; consecutiveFailures: number; openUntil?: string }[];
}

export interface CircuitPublisher {
  /** Publishes now (a circuit changed state): coalesced with a publication already under way. */
  publishSoon(): void;
  stop(): Promise<void>;
}

/**
 * Breakers live in each worker's memory; the API process reads them from Redis. Every worker writes
 * its breakers as one JSON value with an expiry, every second and at once when one changes state: a
 * worker that stops (or a Redis that is flushed) drops out within seconds and comes back at the next
 * publication. Redis being down costs only this report.
 */
export function startCircuitPublisher(opts: { redis: Redis; prefix: string; workerId: string; circuits: CircuitRegistry; log: Logger; everyMs?: number }): CircuitPublisher {
  const key = circuitKey(opts.prefix, opts.workerId);
  let running: Promise<void> | undefined;
  let again = false;
  let failing = false;
  let stopped = false;

  const publish = async (): Promise<void> => {
    const value: PublishedCircuits = {
      worker: opts.workerId,
      at: new Date().toISOString(),
      endpoints: opts.circuits.snapshot().map((c) => ({
        endpoint: c.endpoint, state: c.state, since: c.since > 0 ? new Date(c.since).toISOString() : null, consecutiveFailures: c.consecutiveFailures,
        ...(c.openUntil !== undefined ? { openUntil: new Date(c.openUntil).toISOString() } : {}),
      })),
    };
    try {
      await opts.redis.set(key, JSON.stringify(value), 'PX', CIRCUIT_PUBLISH_TTL_MS);
      if (failing) opts.log.info('circuit states published again');
      failing = false;
    } catch (err) {
      if (!failing) opts.log.warn({ err: (err as Error).message }, 'circuit states cannot be published');
      failing = true;
    }
  };

  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = publish().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };

  const timer = setInterval(run, opts.everyMs ?? CIRCUIT_PUBLISH_EVERY_MS);
  timer.unref();
  run();
  return {
    publishSoon: run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await opts.redis.del(key).catch(() => undefined);
    },
  };
}
