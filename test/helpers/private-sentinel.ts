import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../src/demo/free-port.js';
import { waitFor, waitForRedis } from './wait-for.js';

/**
 * A private Redis Sentinel deployment on loopback ports: a master, one replica and one Sentinel
 * (quorum 1, a master is down after 500 ms), run from the Debian package's redis-server binary
 * (`--sentinel`). A missing binary fails the test. Never touches the shared Redis.
 */
export interface PrivateSentinel {
  /** The master's name in the Sentinel's configuration. */
  name: string;
  /** `redis+sentinel://127.0.0.1:<port>/<name>`. */
  url: string;
  /** Where the Sentinel says the master is now. */
  masterPort(): Promise<number>;
  /** `kill -9` of the current master; resolves once the Sentinel names the replica instead. */
  failOver(timeoutMs?: number): Promise<{ from: number; to: number }>;
  stop(): Promise<void>;
}

export async function startPrivateSentinel(): Promise<PrivateSentinel> {
  const name = 'lt-master';
  const dir = await mkdtemp(join(tmpdir(), 'lienthong-sentinel-'));
  const [masterPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()];
  const children = new Map<number, ChildProcess>();
  const clients: Redis[] = [];
  const client = (port: number): Redis => {
    const c = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  const run = async (port: number, args: string[]): Promise<void> => {
    const child = spawn('redis-server', args, { stdio: 'ignore', cwd: dir });
    child.once('error', () => undefined);
    children.set(port, child);
    await waitForRedis(port);
  };
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const sentinel = (): Redis => new Redis(sentinelPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
  const masterPortNow = async (): Promise<number> => {
    const s = sentinel();
    try {
      const [, port] = await s.call('SENTINEL', 'get-master-addr-by-name', name) as [string, string];
      return Number(port);
    } finally {
      s.disconnect();
    }
  };

  try {
    await run(masterPort, ['--port', String(masterPort), ...common]);
    await run(replicaPort, ['--port', String(replicaPort), '--replicaof', '127.0.0.1', String(masterPort), ...common]);
    await waitFor('the replica in sync', async () => /master_link_status:up/.test(await info(client(replicaPort))));
    const conf = join(dir, 'sentinel.conf');
    await writeFile(conf, [
      `port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} 500`,
      `sentinel failover-timeout ${name} 3000`,
      '',
    ].join('\n'));
    await run(sentinelPort, [conf, '--sentinel']);
    await waitFor('the Sentinel knowing the replica', async () => {
      const s = sentinel();
      try {
        return (await s.call('SENTINEL', 'replicas', name) as unknown[]).length > 0;
      } catch {
        return false;
      } finally {
        s.disconnect();
      }
    });
  } catch (err) {
    for (const child of children.values()) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    name,
    url: `redis+sentinel://127.0.0.1:${sentinelPort}/${name}`,
    masterPort: masterPortNow,
    async failOver(timeoutMs = 20_000) {
      const from = await masterPortNow();
      const child = children.get(from)!;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
      let to = from;
      await waitFor('the Sentinel promoting the replica', async () => (to = await masterPortNow()) !== from, timeoutMs);
      return { from, to };
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await Promise.all([...children.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await gone;
      }));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function info(c: Redis): Promise<string> {
  try {
    if (c.status !== 'ready') await c.connect();
    return await c.info('replication');
  } catch {
    return '';
  } finally {
    c.disconnect();
  }
}
