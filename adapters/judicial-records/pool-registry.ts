import { Pool } from 'undici';

// One keep-alive pool per origin (LGSP gateway, Ministry system), created on first use. Module state
// on purpose: pools must outlive single calls to reuse connections; `closeJudicialRecordsPools()`
// (part of the adapter's `close`) ends them. The first endpoint seen for an origin sets the size.
const pools = new Map<string, Pool>();

/** The pool for `origin`, created with `connections` keep-alive connections on first use. */
export function poolFor(origin: string, connections: number): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, { connections, pipelining: 1 });
    pools.set(origin, pool);
  }
  return pool;
}

/** Closes every pool (waits for calls in flight). */
export async function closeJudicialRecordsPools(): Promise<void> {
  const open = [...pools.values()];
  pools.clear();
  await Promise.all(open.map((pool) => pool.close()));
}
