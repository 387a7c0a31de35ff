import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from '../../../src/demo/free-port.js';
import { waitFor, waitForRedis } from '../../helpers/wait-for.js';

export { waitFor };

/**
 * Private Redis and PostgreSQL servers for the fault suite: each scenario kills, flushes and restarts
 * them, which it must never do to the shared servers other suites (or a developer) use. Both are the
 * Debian packages' binaries; a missing binary fails the suite (`.ci/run` installs them).
 */

/** A redis-server on a loopback port of its own, without persistence (a restart loses everything, as a real one does). */
export interface PrivateRedis {
  url: string;
  port: number;
  /** `kill -9`, then a new empty server on the same port. */
  restart(downMs?: number): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<void>;
  /** A client for the test's own commands (FLUSHALL, checks). */
  client(): Promise<Redis>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'lienthong-faults-redis-'));
  let child: ChildProcess | undefined;
  const clients: Redis[] = [];
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    child.once('error', () => undefined);
    await waitForRedis(port);
  };
  const kill = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    kill,
    async restart(downMs = 0) {
      await kill();
      if (downMs > 0) await sleep(downMs);
      await start();
    },
    async client() {
      const c = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 3 });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A PostgreSQL cluster of its own (initdb in a temporary folder), trust auth on loopback. */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  url: string;
  /** An abrupt stop (`pg_ctl stop -m immediate`: what a crash or a pulled plug looks like to clients). */
  crash(): Promise<void>;
  start(): Promise<void>;
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
  /** A new empty database (one per scenario); its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

function postgresBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => join(root, v, 'bin', name)).find((p) => existsSync(p));
  if (!found) throw new Error(`PostgreSQL server binaries (${name}) are required for the fault suite: apt-get install postgresql`);
  return found;
}

/** Runs a PostgreSQL binary as the `postgres` user when this process is root (initdb and postgres refuse root). */
function asPostgres(bin: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  const result = root ? spawnSync('runuser', ['-u', 'postgres', '--', bin, ...args], { encoding: 'utf8' }) : spawnSync(bin, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${String(result.status)}): ${result.stdout}${result.stderr}`);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'lienthong-faults-pg-'));
  if (process.getuid?.() === 0) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (ids.status !== 0) throw new Error('the fault suite runs PostgreSQL as the postgres user, which does not exist: apt-get install postgresql');
    chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
  }
  const data = join(dir, 'data');
  asPostgres(postgresBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const urlOf = (database: string): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const url = urlOf('postgres');
  let databases = 0;
  const pgCtl = postgresBin('pg_ctl');
  const start = async (): Promise<void> => {
    asPostgres(pgCtl, ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', 'start', '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`]);
  };
  const crash = async (): Promise<void> => {
    asPostgres(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
  };
  await start();
  return {
    url,
    crash,
    start,
    async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres') {
      const client = new pg.Client({ connectionString: urlOf(database) });
      await client.connect();
      try {
        return (await client.query<T>(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
    async createDatabase() {
      const name = `scenario_${++databases}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
    async stop() {
      try {
        asPostgres(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // not running
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
