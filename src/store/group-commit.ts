import { isRowRefused } from './store-failures.js';

/**
 * Group commit: callers hand in items one at a time and await their own result, while the items are
 * written in batches, one transaction per batch. At low load a batch holds one item and adds no
 * delay (it runs on the next tick); under load items pile up while earlier batches are in flight, so
 * batches grow and the per-item cost of a commit shrinks. This is how the hub turns thousands of
 * small writes per second into tens of transactions.
 */
export interface GroupCommitOptions<I, O> {
  /**
   * Writes one batch (all or nothing); must return one result per item, in order. A failure rejects
   * every item of the batch, unless `isolate` says it was one item's fault.
   */
  run(items: I[]): Promise<O[]>;
  /**
   * Was this failure caused by some item of the batch (default: the database refused a row's value,
   * {@link isRowRefused})? Then each item of the failed batch is written again on its own, so that one
   * caller's bad item fails that caller alone and never the others who shared its batch.
   */
  isolate?(err: unknown): boolean;
  /** Largest batch (bounded by SQL parameter limits and lock time). */
  maxBatch: number;
  /** Batches allowed in flight at once (≤ the database pool size; 1 for the embedded store). */
  maxInFlight: number;
}

export interface GroupCommit<I, O> {
  submit(item: I): Promise<O>;
  /** Resolves when everything submitted so far has been written (or failed). */
  drain(): Promise<void>;
  /** Number of batches written, and items in them: for metrics. */
  stats(): { batches: number; items: number };
}

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

export function createGroupCommit<I, O>(options: GroupCommitOptions<I, O>): GroupCommit<I, O> {
  const isolate = options.isolate ?? isRowRefused;
  const queue: Pending<I, O>[] = [];
  let inFlight = 0;
  let scheduled = false;
  let batches = 0;
  let items = 0;
  const idleWaiters: (() => void)[] = [];

  const schedule = (): void => {
    if (scheduled || queue.length === 0 || inFlight >= options.maxInFlight) return;
    scheduled = true;
    // setImmediate lets every request that arrived in this turn of the event loop join the batch.
    setImmediate(flush);
  };

  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0 && inFlight < options.maxInFlight) {
      const batch = queue.splice(0, options.maxBatch);
      inFlight += 1;
      batches += 1;
      items += batch.length;
      void write(batch);
    }
  };

  const runBatch = async (batch: Pending<I, O>[]): Promise<void> => {
    const results = await options.run(batch.map((p) => p.item));
    if (results.length !== batch.length) throw new Error(`group commit: ${results.length} results for ${batch.length} items`);
    batch.forEach((p, i) => p.resolve(results[i] as O));
  };

  const write = async (batch: Pending<I, O>[]): Promise<void> => {
    try {
      await runBatch(batch);
    } catch (err) {
      if (batch.length > 1 && isolate(err)) {
        // One at a time, within this batch's place in flight: the bad item fails alone.
        for (const p of batch) await runBatch([p]).catch((itemErr: unknown) => p.reject(itemErr));
      } else {
        for (const p of batch) p.reject(err);
      }
    } finally {
      inFlight -= 1;
      if (queue.length > 0) schedule();
      else if (inFlight === 0) idleWaiters.splice(0).forEach((wake) => wake());
    }
  };

  return {
    submit(item: I): Promise<O> {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    drain(): Promise<void> {
      if (queue.length === 0 && inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    stats: () => ({ batches, items }),
  };
}
