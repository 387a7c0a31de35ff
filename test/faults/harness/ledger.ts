import type { HttpEndpointSimulatorHandle } from '../../../adapters/http-endpoint/simulator.js';
import type { SentDocument } from './load.js';
import { waitFor } from './services.js';

/** A hub's database, to read. */
export interface Queryable {
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** What one receiving agency saw, counted by message id. */
export interface ReceiverTally {
  recipient: string;
  /** Accepted documents addressed to it. */
  expected: number;
  /** Distinct messages it took (answered 200). */
  distinct: number;
  /** Every request that reached it (repeats included; the hub's Idempotency-Key lets it drop them). */
  total: number;
  /** Requests answered 200 for a message it had already taken (it dropped them by the key). */
  repeats: number;
  /** Accepted documents it never took. */
  missing: string[];
  /** Messages it took that no accepted document explains. */
  unexpected: string[];
}

/** Counts, per recipient, what the simulator's mailboxes received against what the hub accepted. */
export function tallyReceivers(sim: HttpEndpointSimulatorHandle, documents: SentDocument[], mailboxes: Record<string, string>): ReceiverTally[] {
  return Object.entries(mailboxes).map(([recipient, mailbox]) => {
    const expected = new Set(documents.filter((d) => d.id && d.recipients.includes(recipient)).map((d) => d.id!));
    const requests = sim.requests(mailbox);
    const taken = new Map<string, number>();
    for (const r of requests) {
      if (r.status !== 200) continue;
      const id = r.headers['lienthong-message-id'] ?? '';
      taken.set(id, (taken.get(id) ?? 0) + 1);
    }
    return {
      recipient,
      expected: expected.size,
      distinct: taken.size,
      total: requests.length,
      repeats: [...taken.values()].reduce((n, c) => n + c - 1, 0),
      missing: [...expected].filter((id) => !taken.has(id)),
      unexpected: [...taken.keys()].filter((id) => !expected.has(id)),
    };
  });
}

/** Deliveries per state in the hub's database. */
export async function deliveryStates(hub: Queryable): Promise<Record<string, number>> {
  const rows = await hub.query<{ state: string; n: string }>('SELECT state, count(*) AS n FROM deliveries GROUP BY state');
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/** Waits until the database holds `expected` deliveries, every one delivered. */
export async function waitAllDelivered(db: Queryable, expected: number, timeoutMs = 120_000): Promise<void> {
  let last: Record<string, number> = {};
  await waitFor(`all ${expected} deliveries delivered`, async () => {
    last = await deliveryStates(db).catch(() => last);
    return last.delivered === expected && Object.values(last).reduce((a, b) => a + b, 0) === expected;
  }, timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}; states now ${JSON.stringify(last)}`);
  });
}

/** The accepted documents in `documents` and the deliveries they make. */
export function acceptedCount(documents: SentDocument[]): { messages: number; deliveries: number } {
  const accepted = documents.filter((d) => d.id);
  return { messages: accepted.length, deliveries: accepted.reduce((n, d) => n + d.recipients.length, 0) };
}
