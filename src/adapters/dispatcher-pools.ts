import { Pool } from 'undici';
import { guardedConnector } from '../net/guarded-connector.js';
import { currentOutboundGuard } from '../net/outbound-policy.js';

/**
 * One keep-alive undici pool per origin, created on first use. Each adapter holds one set at module
 * level on purpose: pools must outlive single attempts to reuse connections, and the adapter's
 * `close()` ends them. The first endpoint seen for an origin sets the pool size: endpoints sharing
 * an origin share one server, so they share one connection budget. Every connection goes through
 * the process's outbound guard (`src/net/`): a private, loopback or link-local address — literal or
 * resolved — fails the request with `ERR_OUTBOUND_REFUSED` unless `LIENTHONG_OUTBOUND_ALLOW` allows it.
 */
export class DispatcherPools {
  private readonly pools = new Map<string, Pool>();
  private readonly connect = guardedConnector(currentOutboundGuard);

  /** The pool for `origin`, created with `connections` keep-alive connections on first use. */
  poolFor(origin: string, connections: number): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections, pipelining: 1, connect: this.connect });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** Closes every pool (waits for calls in flight); a later call opens new ones. Call at shutdown. */
  async close(): Promise<void> {
    const open = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(open.map((pool) => pool.close()));
  }
}
