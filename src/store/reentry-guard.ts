import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Catches `db.query()` / `db.transaction()` called from inside a transaction callback (which would
 * deadlock PGlite's single connection, and escape the transaction on a pool). It needs
 * AsyncLocalStorage, whose promise hooks tax every promise in the process on Node 20 — so it is a
 * debug assertion: on under tests (`NODE_ENV=test`) or `LIENTHONG_GUARD_TRANSACTIONS=1`, off otherwise.
 */
export interface ReentryGuard {
  refuse(what: string, hint: string): void;
  run<T>(state: { open: boolean }, work: () => Promise<T>): Promise<T>;
}

export function createReentryGuard(enabled = process.env.NODE_ENV === 'test' || process.env.LIENTHONG_GUARD_TRANSACTIONS === '1'): ReentryGuard {
  if (!enabled) return { refuse: () => undefined, run: (_state, work) => work() };
  const inTransaction = new AsyncLocalStorage<{ open: boolean }>();
  return {
    refuse(what, hint) {
      if (inTransaction.getStore()?.open) throw new Error(`db.${what}() called inside db.transaction(): use the transaction's own query()${hint}`);
    },
    run: (state, work) => inTransaction.run(state, work),
  };
}
