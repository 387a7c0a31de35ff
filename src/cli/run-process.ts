import type { Logger } from 'pino';
import { adapters } from '../../adapters/index.js';
import type { HubEnv } from '../config/load-env.js';
import { openHub, type Hub } from '../hub.js';
import { releaseBootMemory } from './release-boot-memory.js';

/**
 * Runs a hub process until SIGINT/SIGTERM, then shuts down cleanly (HTTP, workers, queues, Redis,
 * store). A second signal exits at once.
 */
export async function runProcess(env: HubEnv, log: Logger, roles: { api: boolean; worker: boolean }): Promise<Hub> {
  const hub = await openHub({ env, adapters, log, roles, sweepGraceMs: env.sweepGraceMs });
  // Before the port opens: no request waits behind the collection.
  const released = await releaseBootMemory();
  const url = await hub.listen();
  log.info({ url, roles, store: hub.db.kind, keyFingerprint: hub.keys.fingerprintSha256, ...(released ? { rssMiB: Math.round(released.rssAfter / 2 ** 20) } : {}) }, 'lienthong started');
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    hub.close()
      .then(() => process.exit(0), (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return hub;
}
