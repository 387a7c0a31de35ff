import type { Logger } from 'pino';
import type { Queryable } from '../store/db.js';

/** How often each worker reads `endpoint_pauses`: a pause reaches every worker within this (plus a query). */
export const PAUSE_POLL_MS = 500;

/**
 * The endpoints operators paused, as one worker process knows them. PostgreSQL is the source of truth
 * (`endpoint_pauses`, migration 011); each worker polls the small table, so a pause or resume reaches
 * every worker within about half a second with no restart and no Redis involved.
 */
export interface PausedEndpoints {
  /** From the last poll: free, possibly up to {@link PAUSE_POLL_MS} old. */
  cached(endpointId: string): boolean;
  /** Asks the database now (before setting a job aside: a resume may have just committed). */
  confirm(endpointId: string): Promise<boolean>;
  /** Reads the table now. */
  refresh(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export function createPausedEndpoints(opts: { db: Queryable; log: Logger; everyMs?: number; onChange?: (paused: ReadonlySet<string>) => void }): PausedEndpoints {
  let paused: ReadonlySet<string> = new Set();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let failing = false;

  const refresh = async (): Promise<void> => {
    try {
      const { rows } = await opts.db.query<{ endpoint_id: string }>('SELECT endpoint_id FROM endpoint_pauses', [], { prepare: 'lienthong_paused_endpoints' });
      const next = new Set(rows.map((r) => r.endpoint_id));
      const changed = next.size !== paused.size || [...next].some((id) => !paused.has(id));
      paused = next;
      if (changed) opts.onChange?.(paused);
      if (failing) opts.log.info('paused endpoints readable again');
      failing = false;
    } catch (err) {
      // Keep the last known set: a database that does not answer stops attempts elsewhere anyway.
      if (!failing) opts.log.warn({ err: (err as Error).message }, 'paused endpoints cannot be read');
      failing = true;
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = refresh().finally(() => {
        running = undefined;
        schedule();
      });
    }, opts.everyMs ?? PAUSE_POLL_MS);
    timer.unref();
  };

  return {
    cached: (endpointId) => paused.has(endpointId),
    async confirm(endpointId) {
      const { rows } = await opts.db.query('SELECT 1 FROM endpoint_pauses WHERE endpoint_id = $1', [endpointId], { prepare: 'lienthong_endpoint_paused' });
      return rows.length > 0;
    },
    refresh,
    start() {
      stopped = false;
      running = refresh().finally(() => {
        running = undefined;
        schedule();
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
