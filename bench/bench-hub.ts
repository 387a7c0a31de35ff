/**
 * The real hub, run for a benchmark and cleaned up after it: a fresh PostgreSQL schema (or a PGlite
 * data folder), development keys, a generated configuration holding an agency key and an auditor key,
 * a Redis key prefix of its own, and the hub processes — `serve` and `worker` processes against one
 * PostgreSQL and one Redis (`--api N --workers M`), or one `lienthong all` (the only layout PGlite
 * allows: its database can be opened by one process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { generateApiKey, hashApiKey } from '../src/auth/api-keys.js';
import { createDevPki, writeDevPki, type DevPki } from '../src/crypto/dev-pki.js';
import type { Db } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { openPgDb } from '../src/store/pg-db.js';

/** How the hub runs: API and worker in one process, or N API and M worker processes. */
export type HubLayout = { kind: 'all' } | { kind: 'split'; api: number; workers: number };

export interface BenchHubOptions {
  /** Names the schema, queue prefix and data folder (`lt_bench_<name>_…`). */
  name: string;
  store: 'postgres' | 'pglite';
  layout: HubLayout;
  databaseUrl: string;
  redisUrl: string;
  alg?: 'ES256' | 'RS256';
  /** The hub's development keys, when the caller needs them first (a simulator that checks signatures); else made here. */
  pki?: DevPki;
  /** The hub configuration (hub, defaults, agencies, endpoints, routes); the two API keys are added. */
  config: Record<string, unknown>;
  /** The agency the load generator sends as. */
  sender: string;
  /** Connections per hub process (`DATABASE_POOL_SIZE`; the server allows ~100 in all). */
  poolSize?: number;
  /** Attempts in flight per worker process (`LIENTHONG_WORKER_CONCURRENCY`). */
  workerConcurrency?: number;
  /** Further environment for every hub process. */
  env?: Record<string, string>;
  /**
   * Node flags of the hub processes. Default `--max-semi-space-size=32`, as the CLI's shebang sets:
   * the hub allocates ~100 KB per document, and a larger young generation means fewer scavenges.
   * `BENCH_CHILD_NODE_OPTIONS` (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is appended.
   */
  nodeArgs?: string[];
  /**
   * Further Node flags of `worker` processes. Default {@link WORKER_NODE_FLAGS}, as docker-compose.yml
   * starts its worker; `BENCH_WORKER_NODE_OPTIONS`, when set (empty for none), replaces them.
   */
  workerNodeArgs?: string[];
  /** Leave the PostgreSQL schema behind (its name is printed) to look at plans and row sizes. */
  keepSchema?: boolean;
  log?: (line: string) => void;
}

export interface HubProcess {
  role: 'serve' | 'worker' | 'all';
  /** `serve-1`, `worker-2`, `all`. */
  name: string;
  pid: number;
  /** Where it answers `/readyz` and `/metrics` (a worker on its metrics port). */
  url: string;
  /** Loopback port its inspector opens on when sent SIGUSR1 (closed until then). */
  inspectPort: number;
  child: ChildProcess;
}

export interface BenchHub {
  /** Base URLs of the processes that serve the API. */
  apiUrls: string[];
  processes: HubProcess[];
  /** Sends as `sender`. */
  senderKey: string;
  /** Reads the delivery log and the queue depth (role `auditor`). */
  auditorKey: string;
  /** The development CA the hub's signing chain ends in. */
  caPem: string;
  /** The hub's certificate chain (leaf first). */
  chainPem: string;
  /** The bench's own connection to the hub's schema; PostgreSQL only. */
  db?: Db;
  /** `application_name` of the hub's PostgreSQL connections, to find their server processes. */
  pgApplicationName?: string;
  /** The hub's Redis and its key prefix there (`LIENTHONG_QUEUE_PREFIX`). */
  redisUrl: string;
  queuePrefix: string;
  /** One line: store, layout, queue. */
  description: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A worker's old generation holds little (~40 MB live), and with the CLI's 64 MiB young generation
 * V8 would otherwise start marking it again right after every full collection: 2–3 full collections
 * a second at 300 documents/s, ~6 % of the worker's time. A 128 MiB initial old space stops that
 * (see README, Operations → Node flags). Not for `serve`: its peak with a 200 MB attachment rises.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=128'];

/** Starts the hub as `opts` describe; on failure, undoes what was done and rethrows. */
export async function startBenchHub(opts: BenchHubOptions): Promise<BenchHub> {
  if (opts.store === 'pglite' && opts.layout.kind !== 'all') throw new Error('PGlite runs as one process: layout "all"');
  const id = randomBytes(4).toString('hex');
  const dataDir = await mkdtemp(join(tmpdir(), `lienthong-bench-${opts.name}-`));
  const prefix = `lt-bench-${opts.name}-${id}`;
  const processes: HubProcess[] = [];
  const undo: (() => Promise<void>)[] = [() => rm(dataDir, { recursive: true, force: true }), () => cleanRedis(opts.redisUrl, prefix)];
  // A benchmark that dies without closing (an uncaught error, a closed stdout) must not leave the hub
  // running: its processes get SIGTERM as this one exits (the schema and folder then stay behind).
  const orphans = (): void => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  };
  process.once('exit', orphans);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= (async () => {
    process.removeListener('exit', orphans);
    await stopProcesses(processes);
    for (const step of [...undo].reverse()) await step().catch((err: unknown) => opts.log?.(`cleanup: ${(err as Error).message}`));
  })());
  try {
    // 1. keys and configuration (API keys by hash in the configuration: the same on either store)
    const pki = opts.pki ?? await createDevPki({ alg: opts.alg ?? 'ES256' });
    const paths = await writeDevPki(join(dataDir, 'keys'), pki);
    const senderKey = generateApiKey();
    const auditorKey = generateApiKey();
    const configPath = join(dataDir, 'hub-config.json');
    await writeFile(configPath, JSON.stringify({
      ...opts.config,
      apiKeys: [{ id: 'bench-sender', agency: opts.sender, sha256: hashApiKey(senderKey) }, { id: 'bench-auditor', role: 'auditor', sha256: hashApiKey(auditorKey) }],
    }, null, 2));

    // 2. the store: a schema of its own, migrated once here rather than by processes racing at boot
    let databaseUrl: string | undefined;
    let db: Db | undefined;
    let pgApplicationName: string | undefined;
    let where = `PGlite in ${dataDir}`;
    if (opts.store === 'postgres') {
      const schema = `lt_bench_${opts.name.replaceAll('-', '_')}_${id}`;
      await adminQuery(opts.databaseUrl, `CREATE SCHEMA ${schema}`);
      undo.push(async () => {
        if (opts.keepSchema) opts.log?.(`schema ${schema} kept (DROP SCHEMA ${schema} CASCADE when done)`);
        else await adminQuery(opts.databaseUrl, `DROP SCHEMA ${schema} CASCADE`);
      });
      pgApplicationName = `lienthong-bench-${id}`;
      const url = new URL(opts.databaseUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      // In the connection string, application_name wins over the pool's own ('lienthong'): the
      // benchmark finds its hub's server processes by it, not those of other work on the server.
      url.searchParams.set('application_name', pgApplicationName);
      databaseUrl = url.toString();
      const ownUrl = new URL(opts.databaseUrl);
      ownUrl.searchParams.set('options', `-c search_path=${schema}`);
      const own = await openPgDb({ connectionString: ownUrl.toString(), max: 2, applicationName: 'lienthong-bench' });
      db = own;
      undo.push(() => own.close());
      await migrate(own);
      where = `PostgreSQL at ${decodeURIComponent(url.host) || 'the local socket'} (schema ${schema})`;
    }

    // 3. the processes
    const port = 18_000 + Math.floor(Math.random() * 4_000);
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>), ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      DATABASE_POOL_SIZE: String(opts.poolSize ?? 16), REDIS_URL: opts.redisUrl, LIENTHONG_QUEUE_PREFIX: prefix,
      LIENTHONG_DATA_DIR: dataDir, LIENTHONG_CONFIG: configPath, LIENTHONG_HUB_CERT: paths.chainPath, LIENTHONG_HUB_KEY: paths.hubKeyPath,
      LOG_LEVEL: 'warn', LIENTHONG_WORKER_CONCURRENCY: String(opts.workerConcurrency ?? 128),
      // The simulated agency endpoints listen on loopback, which the hub refuses to reach unless allowed.
      LIENTHONG_OUTBOUND_ALLOW: '127.0.0.1', ...opts.env,
    };
    if (databaseUrl === undefined) delete env.DATABASE_URL;
    const nodeArgs = [...(opts.nodeArgs ?? ['--max-semi-space-size=32']), ...(process.env.BENCH_CHILD_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [])];
    const cli = join(resolve('.'), 'dist/src/cli.js');
    const workerNodeArgs = process.env.BENCH_WORKER_NODE_OPTIONS?.split(' ').filter(Boolean) ?? opts.workerNodeArgs ?? WORKER_NODE_FLAGS;
    const launch = (role: HubProcess['role'], name: string, listenPort: number, extra: Record<string, string>): void => {
      const inspectPort = listenPort + 300;
      const roleArgs = role === 'worker' ? workerNodeArgs : [];
      const child = spawn(process.execPath, [...nodeArgs, ...roleArgs, `--inspect-port=127.0.0.1:${inspectPort}`, cli, role], { env: { ...env, ...extra }, stdio: ['ignore', 'inherit', 'pipe'] });
      forwardStderr(child);
      processes.push({ role, name, pid: child.pid!, url: `http://127.0.0.1:${listenPort}`, inspectPort, child });
    };
    const layout = opts.layout;
    if (layout.kind === 'all') launch('all', 'all', port, { PORT: String(port) });
    else {
      for (let i = 0; i < layout.api; i += 1) launch('serve', `serve-${i + 1}`, port + i, { PORT: String(port + i) });
      for (let i = 0; i < layout.workers; i += 1) launch('worker', `worker-${i + 1}`, port + 100 + i, { PORT: String(port + 200 + i), LIENTHONG_METRICS_PORT: String(port + 100 + i) });
    }
    await Promise.all(processes.map((p) => waitReady(p)));
    const apiUrls = processes.filter((p) => p.role !== 'worker').map((p) => p.url);
    const shape = layout.kind === 'all' ? 'one `all` process' : `${layout.api} serve + ${layout.workers} worker processes`;
    return {
      apiUrls, processes, senderKey, auditorKey, caPem: pki.caCertPem, chainPem: pki.chainPem, ...(db ? { db } : {}),
      ...(pgApplicationName ? { pgApplicationName } : {}), dataDir, redisUrl: opts.redisUrl, queuePrefix: prefix,
      description: `${shape} on ${where}, Redis ${opts.redisUrl} prefix ${prefix}, ${opts.alg ?? 'ES256'} signatures`,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Node's own inspector notices (a soak's forced collections open the inspector): not the hub's output. */
const INSPECTOR_NOTICE = /^(Debugger listening on |Debugger attached\.|Debugger ending on |For help, see: https:\/\/nodejs\.org\/en\/docs\/inspector)/;

/** The hub process's stderr, line by line, on this process's, but for the inspector's notices. */
function forwardStderr(child: ChildProcess): void {
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (line !== '' && !INSPECTOR_NOTICE.test(line)) process.stderr.write(`${line}\n`);
  });
}

async function waitReady(p: HubProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (p.child.exitCode !== null) throw new Error(`hub process ${p.name} exited with ${p.child.exitCode}`);
    try {
      if ((await fetch(`${p.url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`hub process ${p.name} did not become ready within 60 s`);
}

/** SIGTERM to every process (a clean shutdown: HTTP, workers, queues, Redis, store), then waits. */
async function stopProcesses(processes: readonly HubProcess[]): Promise<void> {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await Promise.all(processes.map((p) => new Promise((r) => (p.child.exitCode !== null || p.child.signalCode !== null ? r(null) : p.child.once('exit', r)))));
}

async function adminQuery(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function cleanRedis(redisUrl: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
