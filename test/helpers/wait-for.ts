import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** Polls `check` every 50 ms until it is true; throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Waits until a redis-server (or Sentinel) on this loopback port answers PING. */
export async function waitForRedis(port: number, timeoutMs?: number): Promise<void> {
  await waitFor(`redis-server on port ${port}`, async () => {
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  }, timeoutMs);
}
