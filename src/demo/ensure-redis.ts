import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Redis for the demo: the one at `url` when it answers; otherwise a private `redis-server` under the
 * data folder (no persistence, loopback only) when one is installed; otherwise a clear error.
 */
export async function ensureRedis(url: string, dataDir: string): Promise<{ url: string; stop(): Promise<void>; private: boolean }> {
  if (await answers(url)) return { url, stop: async () => undefined, private: false };
  const which = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (which.error || which.status !== 0) {
    throw new Error(`Nothing answers at ${url} and redis-server is not installed.\n` +
      '  Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis),\n' +
      '  or point REDIS_URL at a running Redis, then run the demo again.');
  }
  const port = await freePort();
  const dir = `${dataDir}/redis`;
  await mkdir(dir, { recursive: true });
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const privateUrl = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i += 1) {
    if (await answers(privateUrl)) {
      return {
        url: privateUrl,
        private: true,
        stop: async () => {
          child.kill('SIGTERM');
          await new Promise((resolve) => child.once('exit', resolve));
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`Started redis-server on port ${port} but it does not answer`);
}
