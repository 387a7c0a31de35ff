import type { Redis } from 'ioredis';
import { hubError } from '../errors.js';
import { circuitKey, type PublishedCircuits } from '../queue/circuit-publisher.js';

type State = 'closed' | 'open' | 'half-open';

/** One worker's breaker for an endpoint. */
export interface WorkerCircuit {
  worker: string;
  state: State;
  since: string | null;
  consecutiveFailures: number;
  openUntil: string | null;
}

/** An endpoint's circuit across the workers: the worst state any holds, since when, and each worker's. */
export interface EndpointCircuitReport {
  endpoint: string;
  /** `open` if any worker holds it open, else `half-open` if any is trying, else `closed`. */
  state: State;
  /** When the first worker in that state entered it (null: closed everywhere since each worker started). */
  since: string | null;
  /** Most transient failures in a row any worker has seen. */
  consecutiveFailures: number;
  workers: WorkerCircuit[];
}

export interface CircuitReport {
  /** Worker processes that published within the last few seconds, and when. */
  workers: { worker: string; at: string }[];
  endpoints: EndpointCircuitReport[];
}

const SEVERITY: Record<State, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Reads what every worker published (`<prefix>:circuits:*`, see circuit-publisher.ts) and reports
 * each endpoint: those named in `endpoints` (closed when no worker has a breaker for them) and any
 * other a worker reports.
 *
 * @throws HUB_ERR_NOT_READY when Redis does not answer: the breakers are only known through it.
 */
export async function readCircuits(redis: Redis, prefix: string, endpoints: readonly string[]): Promise<CircuitReport> {
  let published: PublishedCircuits[];
  try {
    published = await readPublished(redis, prefix);
  } catch (err) {
    throw hubError('HUB_ERR_NOT_READY', [`redis: ${(err as Error).message}`]);
  }
  const byEndpoint = new Map<string, WorkerCircuit[]>(endpoints.map((id) => [id, []]));
  for (const p of published) {
    for (const e of p.endpoints) {
      const list = byEndpoint.get(e.endpoint) ?? [];
      list.push({ worker: p.worker, state: e.state as State, since: e.since, consecutiveFailures: e.consecutiveFailures, openUntil: e.openUntil ?? null });
      byEndpoint.set(e.endpoint, list);
    }
  }
  return {
    workers: published.map((p) => ({ worker: p.worker, at: p.at })).sort((a, b) => (a.worker < b.worker ? -1 : 1)),
    endpoints: [...byEndpoint].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([endpoint, workers]) => aggregate(endpoint, workers)),
  };
}

function aggregate(endpoint: string, workers: WorkerCircuit[]): EndpointCircuitReport {
  const state = workers.reduce<State>((worst, w) => (SEVERITY[w.state] > SEVERITY[worst] ? w.state : worst), 'closed');
  const since = workers.filter((w) => w.state === state && w.since !== null).map((w) => w.since!).sort()[0] ?? null;
  return { endpoint, state, since, consecutiveFailures: Math.max(0, ...workers.map((w) => w.consecutiveFailures)), workers };
}

async function readPublished(redis: Redis, prefix: string): Promise<PublishedCircuits[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', circuitKey(prefix, '*'), 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.flatMap((v) => {
    if (!v) return []; // expired between SCAN and MGET
    try {
      return [JSON.parse(v) as PublishedCircuits];
    } catch {
      return [];
    }
  });
}
