import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkBehaviour, type BehaviourSlot } from './simulator-behaviours.js';

/**
 * The HTTP server of an adapter's simulator: a plain node:http server on loopback that listens,
 * delays slow answers, drops connections of a system that is down, and closes with every open
 * connection and pending delay.
 */
export class SimulatorServer {
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(listener: RequestListener) {
    this.server = createServer(listener);
    // The hub keeps connections alive; stay up longer than undici's default idle time (4 s).
    this.server.keepAliveTimeout = 10_000;
  }

  /** Listens on `host` (default 127.0.0.1) and `port` (default: an ephemeral one); resolves with the base URL. */
  async listen(options: { host?: string; port?: number }): Promise<string> {
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /** Resolves after `ms`; closing the simulator clears the timer (the wait then never ends). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /**
   * Plays the network-level behaviour of the slot a request falls under, before the simulated system
   * looks at it: `down` drops the connection (`false`: the request goes no further), `slow` waits
   * `delayMs` and goes on even if the client gave up meanwhile, as a real server does.
   */
  async passesNetwork(slot: BehaviourSlot<{ mode: string }> | undefined, req: IncomingMessage): Promise<boolean> {
    const behaviour = networkBehaviour(slot);
    if (behaviour?.mode === 'down') {
      req.socket.destroy();
      return false;
    }
    if (behaviour?.mode === 'slow') await this.sleep(behaviour.delayMs);
    return true;
  }

  /** Stops the simulator: its pending delays, then the server and every open connection. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
