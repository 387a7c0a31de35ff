import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { circuitOpenAlert, deliveryFailedAlert } from '../alerts/alert-catalogue.js';
import type { AlertSink } from '../alerts/alert.js';
import type { Metrics } from '../metrics.js';
import type { Queryable } from '../store/db.js';
import { startCircuitPublisher } from './circuit-publisher.js';
import { createCircuitRegistry, type CircuitRegistry } from './circuit-registry.js';
import type { GivenUpDelivery } from './delivery-processor.js';
import { createPausedEndpoints, type PausedEndpoints } from './paused-endpoints.js';

/** What a worker process shares with operators: pauses it obeys, breakers it publishes, alerts it raises. */
export interface DeliveryOversight {
  /** This worker's id in the published circuit states: `host:pid:random`. */
  workerId: string;
  pauses: PausedEndpoints;
  circuits: CircuitRegistry;
  /** The processor's `givenUp`: raises `delivery-failed`. */
  givenUp(failure: GivenUpDelivery): void;
  close(): Promise<void>;
}

/**
 * Starts, for one worker process, the poll of `endpoint_pauses` (with `lienthong_endpoint_paused`),
 * the breakers with their publication to Redis (a change is published at once; an opening raises
 * `circuit-open`) and the `delivery-failed` alert. Close it after the worker.
 */
export function startDeliveryOversight(opts: { db: Queryable; redis: Redis; queuePrefix: string; metrics: Metrics; alerts: AlertSink; alertDedupeMs: number; log: Logger }): DeliveryOversight {
  const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  let shown = new Set<string>();
  const pauses = createPausedEndpoints({
    db: opts.db, log: opts.log,
    onChange: (paused) => {
      for (const id of shown) if (!paused.has(id)) opts.metrics.endpointPaused.set({ endpoint: id }, 0);
      for (const id of paused) opts.metrics.endpointPaused.set({ endpoint: id }, 1);
      shown = new Set(paused);
    },
  });
  pauses.start();

  let publishSoon = (): void => undefined;
  const circuits = createCircuitRegistry({
    onChange: (endpoint, to, from, snapshot) => {
      publishSoon();
      if (to !== 'open') return;
      opts.log.warn({ endpoint, from, consecutiveFailures: snapshot.consecutiveFailures }, 'circuit opened');
      opts.alerts.raise(circuitOpenAlert({
        endpoint, consecutiveFailures: snapshot.consecutiveFailures, reopened: from === 'half-open', worker: workerId,
        ...(snapshot.openUntil !== undefined ? { openUntil: snapshot.openUntil } : {}),
      }, opts.alertDedupeMs));
    },
  });
  const publisher = startCircuitPublisher({ redis: opts.redis, prefix: opts.queuePrefix, workerId, circuits, log: opts.log });
  publishSoon = publisher.publishSoon;

  return {
    workerId,
    pauses,
    circuits,
    givenUp: (failure) => opts.alerts.raise(deliveryFailedAlert(failure, opts.alertDedupeMs)),
    async close() {
      await publisher.stop();
      await pauses.stop();
    },
  };
}
