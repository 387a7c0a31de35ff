/**
 * The benchmarks' common scenario: ~20 KB documents from one agency to one other, delivered by the
 * real hub to a simulated agency endpoint in this process — JSON documents (base64 attachment,
 * delivered as the hub's JSON envelope) or edXML packets (parsed, stored, rebuilt, signed by the hub
 * and delivered as edXML). Shared by `npm run bench`, `bench:sweep` and `bench:soak`, which differ only
 * in how they load it.
 */
import { readFile } from 'node:fs/promises';
import { startHttpEndpointSimulator, type HttpEndpointSimulatorHandle } from '../adapters/http-endpoint/simulator.js';
import { defaultDatabaseUrl, defaultRedisUrl } from './bench-defaults.js';
import { startBenchHub, type BenchHub, type HubLayout } from './bench-hub.js';
import { apiDeliveryLog, sqlDeliveryLog, waitDrained, type DeliveryLog } from './delivery-log.js';
import { EDXML_RECIPIENT, EDXML_SENDER, edxmlPacketFactory } from './edxml-packets.js';
import { closedLoop, documentFactory, type Target } from './load.js';

/** Command-line options every scenario benchmark takes (`parseArgs` options; spread into a script's own). */
export const scenarioArgs = {
  format: { type: 'string', default: 'json' },
  size: { type: 'string', default: '20480' },
  alg: { type: 'string', default: 'ES256' },
  // postgres, or pglite (then the hub runs as one `lienthong all` process)
  store: { type: 'string', default: 'postgres' },
  // API and worker processes on PostgreSQL; --all: one `lienthong all` process instead
  api: { type: 'string', default: '1' },
  workers: { type: 'string', default: '1' },
  all: { type: 'boolean', default: false },
  'pool-size': { type: 'string', default: process.env.BENCH_POOL_SIZE ?? '16' },
  'worker-concurrency': { type: 'string', default: '128' },
  'database-url': { type: 'string', default: defaultDatabaseUrl() },
  'redis-url': { type: 'string', default: defaultRedisUrl() },
  // Leaves the PostgreSQL schema behind (its name is printed), to look at plans and row sizes afterwards.
  'keep-schema': { type: 'boolean', default: false },
} as const;

/** The parsed values of {@link scenarioArgs}. */
export interface ScenarioArgs {
  format?: string; size?: string; alg?: string; store?: string; api?: string; workers?: string; all?: boolean;
  'pool-size'?: string; 'worker-concurrency'?: string; 'database-url'?: string; 'redis-url'?: string; 'keep-schema'?: boolean;
}

export interface Scenario {
  hub: BenchHub;
  sim: HttpEndpointSimulatorHandle;
  target: Target;
  deliveries: DeliveryLog;
  format: 'json' | 'edxml';
  layout: HubLayout;
  store: 'postgres' | 'pglite';
  /** One line for the log: the hub, the documents. */
  description: string;
  close(): Promise<void>;
}

/** Starts the hub and the endpoint for `args`, warms them up, and returns the target to load. */
export async function startScenario(name: string, args: ScenarioArgs, log: (line: string) => void): Promise<Scenario> {
  const format = args.format ?? 'json';
  if (format !== 'json' && format !== 'edxml') throw new Error(`--format ${format}: json or edxml`);
  const store = args.store ?? 'postgres';
  if (store !== 'postgres' && store !== 'pglite') throw new Error(`--store ${store}: postgres or pglite`);
  const layout: HubLayout = store === 'pglite' || args.all ? { kind: 'all' } : { kind: 'split', api: Number(args.api ?? 1), workers: Number(args.workers ?? 1) };
  const alg = (args.alg ?? 'ES256') as 'ES256' | 'RS256';
  const size = Number(args.size ?? 20480);

  const sim = await startHttpEndpointSimulator({ recordBodies: false });
  try {
    const config = JSON.parse(await readFile('bench/bench-config.json', 'utf8')) as Record<string, unknown>;
    const hub = await startBenchHub({
      name, store, layout, alg, config, sender: EDXML_SENDER, databaseUrl: args['database-url'] ?? defaultDatabaseUrl(), redisUrl: args['redis-url'] ?? defaultRedisUrl(),
      poolSize: Number(args['pool-size'] ?? 16), workerConcurrency: Number(args['worker-concurrency'] ?? 128), keepSchema: args['keep-schema'] === true,
      env: { BENCH_SIM_URL: sim.url, LIENTHONG_BODY_LIMIT: String(1 << 20) }, log,
    });
    const body = format === 'edxml' ? await edxmlPacketFactory(size) : documentFactory(size);
    const target: Target = {
      urls: hub.apiUrls, key: hub.senderKey, contentType: format === 'edxml' ? 'application/xml' : 'application/json', body, connections: 256,
    };
    const deliveries = hub.db ? sqlDeliveryLog(hub.db) : apiDeliveryLog(hub.apiUrls[0]!, hub.auditorKey);
    const what = format === 'edxml'
      ? `edXML packets of ${body(1_000_000).length} bytes to ${EDXML_RECIPIENT} (endpoint format edxml, hub XML signature)`
      : `JSON documents of ${body(1_000_000).length} bytes`;
    const scenario: Scenario = {
      hub, sim, target, deliveries, format, layout, store, description: `${hub.description}; ${what}`,
      async close() {
        await hub.close();
        await sim.close();
      },
    };
    try {
      await warmUp(scenario);
    } catch (err) {
      await scenario.close();
      throw err;
    }
    return scenario;
  } catch (err) {
    await sim.close();
    throw err;
  }
}

/** JIT, pools and connections warmed; the tables analysed. */
async function warmUp(s: Scenario): Promise<void> {
  await closedLoop(s.target, 16, 3, 1);
  await waitDrained(s.deliveries, 30_000);
  // A live hub's tables have statistics (autovacuum analyzes them within a minute); a fresh schema
  // has none, and plans cached while the tables were empty would scan them sequentially.
  await s.hub.db?.query('ANALYZE');
  s.sim.reset();
}
