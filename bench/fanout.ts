/**
 * `npm run bench:fanout [-- --recipients 100 --seconds 20 --concurrency 4 | --rate 50]` — fan-out:
 * each ~20 KB JSON document goes from the Government Office (000.00.00.G22) to 100 agencies (the 63
 * provinces and 37 ministries, each with its own `http-endpoint` on the simulator in this process),
 * so one accepted document makes 100 deliveries, each signed and delivered on its own. Documents are
 * sent by a closed loop of --concurrency clients (or an open loop at --rate documents/s) for
 * --seconds; the run then waits until every delivery is done and prints documents accepted per
 * second, accept p50/p95/p99, deliveries per second sustained (from the first acceptance to the last
 * delivery), accept→delivered p50/p95/p99 and CPU per delivery. The same hub options as `npm run
 * bench` (`--store`, `--api`, `--workers` …). Writes bench/results/fanout.json.
 */
import { parseArgs } from 'node:util';
import { startHttpEndpointSimulator } from '../adapters/http-endpoint/simulator.js';
import { defaultDatabaseUrl, defaultRedisUrl } from './bench-defaults.js';
import { startBenchHub, type HubLayout } from './bench-hub.js';
import { log, machineFacts, writeResult } from './bench-results.js';
import { cpuPerUnitMs, formatCpu, hubCpuSources, startCpuMeter } from './cpu-meter.js';
import { formatGc, gcPerUnitMs, hubBatchTotals, hubGcTotals, meanBatchSizes } from './hub-metrics.js';
import { apiDeliveryLog, deliveryStats, sqlDeliveryLog, waitDrained } from './delivery-log.js';
import { closedLoop, documentFactory, openLoop, percentile, type Target } from './load.js';
import { scenarioArgs } from './scenario.js';

const { values: args } = parseArgs({
  options: {
    ...scenarioArgs,
    recipients: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '4' },
    rate: { type: 'string' },
    out: { type: 'string', default: 'bench/results/fanout.json' },
  },
});

const SENDER = '000.00.00.G22';

/** Up to 100 recipients: the 63 provinces (H01–H63), then the ministries (G01–G38 but the sender). */
function fanoutRecipients(count: number): { code: string; name: string }[] {
  const provinces = Array.from({ length: 63 }, (_, i) => ({ code: `000.00.00.H${String(i + 1).padStart(2, '0')}`, name: `Ủy ban nhân dân tỉnh số ${i + 1}` }));
  const ministries = Array.from({ length: 38 }, (_, i) => ({ code: `000.00.00.G${String(i + 1).padStart(2, '0')}`, name: `Bộ số ${i + 1}` })).filter((a) => a.code !== SENDER);
  const all = [...provinces, ...ministries];
  if (count < 1 || count > all.length) throw new Error(`--recipients: 1 to ${all.length}`);
  return all.slice(0, count);
}

/** The hub configuration: the sender, and each recipient with an endpoint of its own on the simulator. */
function fanoutConfig(simUrl: string, recipients: readonly { code: string; name: string }[]): Record<string, unknown> {
  return {
    hub: { name: 'lienthong (benchmark, fan-out)', organId: '000.00.00.LT1' },
    defaults: { retry: { schedule: ['0s', '1s', '5s', '30s'], jitter: 0.2, giveUpAfter: '10m' }, timeout: '10s', maxConcurrency: 256, circuitBreaker: { failureThreshold: 1000, openFor: '5s' } },
    agencies: [{ code: SENDER, name: 'Văn phòng Chính phủ' }, ...recipients.map((a) => ({ ...a, endpoint: `ep-${a.code.slice(-3).toLowerCase()}` }))],
    // All on one origin: the hub shares one connection pool between them (the first endpoint's size).
    endpoints: recipients.map((a) => ({ id: `ep-${a.code.slice(-3).toLowerCase()}`, adapter: 'http-endpoint', settings: { url: `${simUrl}/inbox/${a.code.slice(-3).toLowerCase()}`, maxConnections: 64 } })),
    routes: [],
  };
}

async function main(): Promise<void> {
  const machine = machineFacts();
  const recipients = fanoutRecipients(Number(args.recipients));
  const store = args.store === 'pglite' ? 'pglite' : 'postgres';
  const layout: HubLayout = store === 'pglite' || args.all ? { kind: 'all' } : { kind: 'split', api: Number(args.api), workers: Number(args.workers) };
  const sim = await startHttpEndpointSimulator({ recordBodies: false });
  try {
    const hub = await startBenchHub({
      name: 'fanout', store, layout, alg: args.alg as 'ES256' | 'RS256', config: fanoutConfig(sim.url, recipients), sender: SENDER,
      databaseUrl: args['database-url'] ?? defaultDatabaseUrl(), redisUrl: args['redis-url'] ?? defaultRedisUrl(),
      poolSize: Number(args['pool-size']), workerConcurrency: Number(args['worker-concurrency']), keepSchema: args['keep-schema'], env: { LIENTHONG_BODY_LIMIT: String(1 << 20) }, log,
    });
    try {
      const deliveries = hub.db ? sqlDeliveryLog(hub.db) : apiDeliveryLog(hub.apiUrls[0]!, hub.auditorKey);
      const target: Target = {
        urls: hub.apiUrls, key: hub.senderKey, contentType: 'application/json', connections: 64,
        body: documentFactory(Number(args.size), { sender: SENDER, recipients: recipients.map((r) => r.code) }),
      };
      log(`hub up: ${hub.description}; JSON documents of ${target.body(1_000_000).length} bytes to ${recipients.length} agencies each`);

      // 1. warm-up: a few documents, every endpoint once
      await closedLoop(target, 2, 2, 1);
      await waitDrained(deliveries, 60_000);
      await hub.db?.query('ANALYZE');
      sim.reset();

      // 2. the load, then every delivery done
      log(args.rate ? `open loop: ${args.rate} documents/s for ${args.seconds} s …` : `closed loop: ${args.concurrency} clients for ${args.seconds} s …`);
      const meter = await startCpuMeter(hubCpuSources(hub));
      const gcBefore = await hubGcTotals(hub.processes);
      const batchesBefore = await hubBatchTotals(hub.processes.map((p) => p.url));
      const load = args.rate
        ? await openLoop(target, Number(args.rate), Number(args.seconds), 1_000_000)
        : await closedLoop(target, Number(args.concurrency), Number(args.seconds), 1_000_000);
      log(`  ${load.accepted} documents accepted (${load.accepted * recipients.length} deliveries); waiting for the deliveries …`);
      const waiting = await waitDrained(deliveries, 600_000);
      const cpu = await meter.stop();
      const gcAfter = await hubGcTotals(hub.processes);
      const meanGroupCommitBatch = meanBatchSizes(await hubBatchTotals(hub.processes.map((p) => p.url)), batchesBefore);
      const stats = deliveryStats(await deliveries.times(load.messageIds, load.startedAt));
      const cpuPerDeliveryMs = cpuPerUnitMs(cpu, stats.delivered);
      const gcPerDeliveryMs = gcPerUnitMs(gcAfter, gcBefore, stats.delivered);
      const summary = {
        machine,
        setup: { processes: hub.processes.map((p) => p.name).join(' + '), store, recipients: recipients.length, documentBytes: target.body(1_000_000).length, loop: args.rate ? `open ${args.rate}/s` : `closed ${args.concurrency}`, seconds: Number(args.seconds) },
        documents: {
          accepted: load.accepted, errors: load.errors, acceptedPerSecond: load.accepted / (load.elapsedMs / 1000),
          acceptP50Ms: percentile(load.latencies, 50), acceptP95Ms: percentile(load.latencies, 95), acceptP99Ms: percentile(load.latencies, 99),
        },
        deliveries: { ...stats, stillWaiting: waiting, receivedBySimulator: sim.uniqueDeliveries(), requestsToSimulator: sim.requests().length },
        cpuPerDeliveryMs,
        gcPerDeliveryMs,
        meanGroupCommitBatch,
        cpu: { elapsedSeconds: cpu.elapsedSeconds, machineBusyPercent: cpu.machineBusyPercent, machineStealPercent: cpu.machineStealPercent, otherProcessesPercent: cpu.otherPercent },
        at: new Date().toISOString(),
      };
      const d = summary.documents;
      log('');
      log(`documents: ${d.accepted} accepted, ${d.acceptedPerSecond.toFixed(1)}/s, accept p50 / p95 / p99 ${d.acceptP50Ms.toFixed(1)} / ${d.acceptP95Ms.toFixed(1)} / ${d.acceptP99Ms.toFixed(1)} ms, ${d.errors} errors`);
      log(`deliveries: ${stats.delivered} of ${stats.deliveries} delivered (${sim.uniqueDeliveries()} received by the endpoints in ${sim.requests().length} requests), ${stats.deliveredPerSecond.toFixed(0)}/s sustained (first acceptance → last delivery)`);
      log(`  accept→delivered p50 / p95 / p99 / max: ${stats.p50Ms.toFixed(0)} / ${stats.p95Ms.toFixed(0)} / ${stats.p99Ms.toFixed(0)} / ${stats.maxMs.toFixed(0)} ms`);
      log(`  CPU per delivery: ${formatCpu(cpuPerDeliveryMs)}`);
      log(`  garbage collection per delivery: ${formatGc(gcPerDeliveryMs)}`);
      log(`  mean group-commit batch: ${Object.entries(meanGroupCommitBatch).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
      log(`  machine: ${cpu.machineBusyPercent.toFixed(0)} % busy over ${cpu.elapsedSeconds.toFixed(1)} s, ${cpu.machineStealPercent.toFixed(1)} % steal, ${cpu.otherPercent.toFixed(1)} % other processes`);
      await writeResult(args.out!, summary);
      log(`\nwritten to ${args.out}`);
      if (waiting > 0 || stats.delivered < stats.deliveries) process.exitCode = 1;
    } finally {
      await hub.close();
    }
  } finally {
    await sim.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
