import type { EndpointConfig } from '../config/hub-config.js';
import { CircuitBreaker, type CircuitSnapshot, type CircuitState } from './circuit-breaker.js';

/** One endpoint's breaker as published: its id and its snapshot. */
export interface EndpointCircuit extends CircuitSnapshot {
  endpoint: string;
}

/** Called when an endpoint's circuit changes state (after the change). */
export type CircuitChangeListener = (endpoint: string, to: CircuitState, from: CircuitState, snapshot: CircuitSnapshot) => void;

/**
 * The circuit breakers of one worker process, one per endpoint, made on first use. The processor
 * asks for an endpoint's breaker with the endpoint's current settings (configuration may change while
 * the hub runs); the publisher reads every breaker's snapshot.
 */
export interface CircuitRegistry {
  forEndpoint(endpoint: EndpointConfig): CircuitBreaker;
  snapshot(): EndpointCircuit[];
}

export function createCircuitRegistry(opts: { now?: () => number; onChange?: CircuitChangeListener } = {}): CircuitRegistry {
  const breakers = new Map<string, CircuitBreaker>();
  const now = opts.now ?? Date.now;
  return {
    forEndpoint(endpoint) {
      let breaker = breakers.get(endpoint.id);
      if (!breaker) {
        const id = endpoint.id;
        const onChange = opts.onChange;
        const created: CircuitBreaker = new CircuitBreaker(endpoint.circuitBreaker, now, onChange ? (to, from) => onChange(id, to, from, created.snapshot()) : undefined);
        breakers.set(id, (breaker = created));
      } else {
        breaker.updatePolicy(endpoint.circuitBreaker);
      }
      return breaker;
    },
    snapshot() {
      return [...breakers].map(([endpoint, breaker]) => ({ endpoint, ...breaker.snapshot() }));
    },
  };
}
