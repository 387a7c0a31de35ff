import type { Logger } from 'pino';
import { startBudget } from '../adapters/call-budget.js';
import type { AdapterTable, RemoteProgress } from '../adapters/adapter-contract.js';
import type { HubConfig } from '../config/hub-config.js';
import type { Queryable } from '../store/db.js';

export interface RemoteProgressDeps {
  db: Queryable;
  config: HubConfig;
  adapters: AdapterTable;
  log: Logger;
  now(): Date;
  /** Longest the external systems may take to answer, all together (default 10 s). */
  timeoutMs?: number;
}

/** One delivery a relaying system took, and what it says of it now. */
export interface DeliveryProgress {
  deliveryId: string;
  recipient: string;
  endpointId: string;
  remoteId: string;
  /** The system's answer for this delivery's recipient (other recipients' entries are left out). */
  progress?: RemoteProgress[];
  /** Why the system could not be asked or did not answer. */
  error?: string;
}

/** Live progress of a message's deliveries that relaying systems (the axis) took, per recipient. */
export type RemoteProgressReader = (messageId: string, opts?: { onlyRecipient?: string; signal?: AbortSignal }) => Promise<DeliveryProgress[]>;

/**
 * Asks each relaying system that took one of the message's deliveries how far it got (the axis:
 * `getSentEdocList`), all in parallel within one time budget. A delivery whose endpoint's adapter
 * cannot tell, or that no system took yet, is not listed; one system failing is reported on its
 * deliveries, not thrown.
 */
export function createRemoteProgress(deps: RemoteProgressDeps): RemoteProgressReader {
  return async (messageId, opts = {}) => {
    const { rows } = await deps.db.query<{ id: string; recipient: string; endpoint_id: string; remote_id: string; kind: 'document' | 'status' }>(
      `SELECT d.id, d.recipient, d.endpoint_id, d.remote_id, m.kind FROM deliveries d JOIN messages m ON m.id = d.message_id
        WHERE d.message_id = $1 AND d.remote_id IS NOT NULL AND ($2::text IS NULL OR d.recipient = $2) ORDER BY d.recipient`,
      [messageId, opts.onlyRecipient ?? null]);
    const budget = startBudget(opts.signal ?? new AbortController().signal, deps.timeoutMs ?? 10_000);
    try {
      const asked = await Promise.all(rows.map(async (row): Promise<DeliveryProgress | undefined> => {
        const endpoint = deps.config.endpoints.get(row.endpoint_id);
        const adapter = endpoint && deps.adapters[endpoint.adapter];
        if (!endpoint || !adapter?.progress) return undefined;
        const base = { deliveryId: row.id, recipient: row.recipient, endpointId: endpoint.id, remoteId: row.remote_id };
        try {
          const entries = await adapter.progress({
            endpoint: { id: endpoint.id, settings: endpoint.settings }, remoteId: row.remote_id,
            messageType: row.kind === 'status' ? 'status' : 'edoc', signal: budget.signal, log: deps.log, now: deps.now,
          });
          return { ...base, progress: entries.filter((e) => e.recipient === row.recipient) };
        } catch (err) {
          deps.log.warn({ err, endpointId: endpoint.id, deliveryId: row.id }, 'remote progress unavailable');
          return { ...base, error: budget.signal.aborted ? 'the system did not answer in time' : (err instanceof Error ? err.message : String(err)).slice(0, 300) };
        }
      }));
      return asked.filter((p): p is DeliveryProgress => p !== undefined);
    } finally {
      budget.end();
    }
  };
}
