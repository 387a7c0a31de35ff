import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killGroup, runCli, startCli, type CliProcess } from '../../e2e/cli-process.js';
import { freePort } from '../../../src/demo/free-port.js';
import type { PrivatePostgres } from './services.js';

/** The agencies of the fault suite's configuration: one sender, receivers each on its own simulator mailbox. */
export const SENDER = '000.00.00.G22';
export const RECEIVERS = {
  /** Always answers. */
  healthy: '000.00.00.H41',
  /** Per scenario: down, slow … */
  trouble: '000.00.00.H14',
  /** A second healthy one, so that fan-out is exercised. */
  other: '000.00.04.G14',
} as const;

export interface HubSetup {
  /** Environment every hub process of the scenario gets. */
  vars: Record<string, string>;
  apiKey: string;
  /** PEM chain the simulator verifies the hub's signatures against. */
  chainPem: string;
  dataDir: string;
  /** Reads the scenario's database. */
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface FaultConfigOptions {
  simulatorUrl: string;
  /**
   * Where the `trouble` endpoint is (default: the same simulator). A different origin is a different
   * agency's server: endpoints sharing an origin share its connection pool, as they share the server.
   */
  troubleSimulatorUrl?: string;
  /** Retry policy of the `trouble` endpoint (others keep the defaults). */
  troubleRetry?: { schedule: string[]; jitter: number; giveUpAfter: string };
  troubleCircuit?: { failureThreshold: number; openFor: string };
  troubleTimeout?: string;
  maxConcurrency?: number;
}

/** The hub configuration of a fault scenario: three push receivers on one simulator. */
export function faultConfig(o: FaultConfigOptions): Record<string, unknown> {
  const endpoint = (id: string, mailbox: string, extra: Record<string, unknown> = {}, base = o.simulatorUrl) => ({
    id, adapter: 'http-endpoint', settings: { url: `${base}/inbox/${mailbox}` }, ...extra,
  });
  return {
    hub: { name: 'lienthong (fault suite)', organId: '000.00.00.LT1' },
    defaults: {
      retry: { schedule: ['0s', '1s', '2s', '5s', '10s', '30s'], jitter: 0.2, giveUpAfter: '10m' },
      timeout: '5s',
      maxConcurrency: o.maxConcurrency ?? 16,
      circuitBreaker: { failureThreshold: 5, openFor: '2s' },
    },
    agencies: [
      { code: SENDER, name: 'Văn phòng Chính phủ' },
      { code: RECEIVERS.healthy, name: 'Ủy ban nhân dân tỉnh Nghệ An', endpoint: 'healthy' },
      { code: RECEIVERS.trouble, name: 'Ủy ban nhân dân tỉnh Cao Bằng', endpoint: 'trouble' },
      { code: RECEIVERS.other, name: 'Bộ Công an — Văn phòng Bộ', endpoint: 'other' },
    ],
    endpoints: [
      endpoint('healthy', 'healthy'),
      endpoint('trouble', 'trouble', {
        ...(o.troubleRetry ? { retry: o.troubleRetry } : {}),
        ...(o.troubleCircuit ? { circuitBreaker: o.troubleCircuit } : {}),
        ...(o.troubleTimeout ? { timeout: o.troubleTimeout } : {}),
      }, o.troubleSimulatorUrl),
      endpoint('other', 'other'),
    ],
    routes: [],
  };
}

/**
 * A hub's data folder, keys, schema and API key for a scenario, on the given database and Redis:
 * `keys init`, `migrate` and `apikey create` through the compiled CLI, as an operator would.
 */
export async function setUpHub(o: { db: PrivatePostgres; redisUrl: string; config: Record<string, unknown>; env?: Record<string, string> }): Promise<HubSetup> {
  const databaseUrl = await o.db.createDatabase();
  const database = new URL(databaseUrl).pathname.slice(1);
  const dataDir = await mkdtemp(join(tmpdir(), 'lienthong-faults-'));
  const configPath = join(dataDir, 'hub-config.json');
  await writeFile(configPath, JSON.stringify(o.config, null, 2));
  const base = { LIENTHONG_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', LIENTHONG_CONFIG: configPath };
  for (const args of [['keys', 'init'], ['migrate']]) {
    const r = await runCli(args, base);
    if (r.code !== 0) throw new Error(`lienthong ${args.join(' ')} failed: ${r.stderr}`);
  }
  const created = await runCli(['apikey', 'create', '--agency', SENDER], base);
  if (created.code !== 0) throw new Error(`lienthong apikey create failed: ${created.stderr}`);
  const apiKey = /^lt_\S+$/m.exec(created.stdout)![0];
  const chainPem = await readFile(join(dataDir, 'keys', 'hub-chain.pem'), 'utf8');
  return {
    vars: {
      ...base, LOG_LEVEL: 'info', HOST: '127.0.0.1', DATABASE_POOL_SIZE: '8', REDIS_URL: o.redisUrl,
      LIENTHONG_QUEUE_PREFIX: `lt-faults-${randomBytes(4).toString('hex')}`, LIENTHONG_API_KEY_CACHE_MS: '60000',
      LIENTHONG_SWEEP_INTERVAL_MS: '1000', LIENTHONG_SWEEP_GRACE_MS: '2000',
      ...o.env,
    },
    apiKey,
    chainPem,
    dataDir,
    query: (sql, params) => o.db.query(sql, params, database),
    close: () => rm(dataDir, { recursive: true, force: true }),
  };
}

/** An API (`serve`) or worker process of a scenario, restartable on the same port. */
export interface HubProcess {
  proc(): CliProcess;
  /** `kill -9` of the process (its whole group). */
  kill9(): Promise<void>;
  start(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

async function started(proc: CliProcess): Promise<void> {
  await proc.waitForLog((l) => l.msg === 'lienthong started', 60_000);
}

export function hubProcess(role: 'serve' | 'worker', vars: Record<string, string>): HubProcess {
  let current: CliProcess | undefined;
  // A worker-only process serves its health and metrics on a port of its own (any free one).
  const env = role === 'worker' ? { LIENTHONG_METRICS_PORT: '0', ...vars } : vars;
  return {
    proc: () => {
      if (!current) throw new Error(`${role} not started`);
      return current;
    },
    async start() {
      current = startCli([role], env);
      await started(current);
    },
    async kill9() {
      if (!current || current.hasExited()) return;
      killGroup(current, 'SIGKILL');
      await current.exited;
    },
    async stop() {
      if (!current || current.hasExited()) return;
      current.child.kill('SIGTERM');
      await current.exited;
    },
  };
}

/** The API process on a fixed loopback port (a restart comes back where the load generator expects it). */
export async function apiProcess(vars: Record<string, string>): Promise<HubProcess & { url: string }> {
  const port = await freePort();
  return { ...hubProcess('serve', { ...vars, PORT: String(port) }), url: `http://127.0.0.1:${port}` };
}
