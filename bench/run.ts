/**
 * `npm run bench` — drives the real hub (separate `serve` and `worker` processes, PostgreSQL store,
 * Redis queue) with ~20 KB documents delivered to a local simulated agency endpoint:
 *   1. open loop at --rate documents/s for --seconds (accept latency from the scheduled send time),
 *   2. closed loop at --concurrency for --saturation-seconds (the saturation rate),
 * either skipped with 0, and prints sustained documents/s, accept p50/p95/p99, accept→delivered
 * p50/p95/p99 (from the hub's own timestamps) and, for each loop, CPU and garbage collection per
 * document per process, writing them to bench/results/latest.json
 * (`--format edxml`: latest-edxml.json).
 *
 * `--format json` (default): JSON documents with a base64 attachment, delivered as the hub's JSON envelope.
 * `--format edxml`: edXML packets (QCVN 102:2016, `application/xml`) to an agency whose endpoint takes
 * edXML, so each is parsed, stored, rebuilt, signed by the hub (XML-DSig) and delivered as edXML; at the
 * end `xmlsec1` verifies a sample of the delivered packets against the hub's CA.
 * `--api N --workers M`: N API and M worker processes against the one PostgreSQL and Redis (requests
 * spread over the API processes in turn). `--store pglite`: the embedded store, one `lienthong all`
 * process (`--all` runs PostgreSQL that way too, for a like-for-like comparison).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { BenchHub } from './bench-hub.js';
import { log, machineFacts, writeResult } from './bench-results.js';
import { cpuPerUnitMs, formatCpu, hubCpuSources, startCpuMeter } from './cpu-meter.js';
import { formatGc, gcPerUnitMs, hubAcceptBuckets, hubBatchTotals, hubGcTotals, meanBatchSizes, shareWithin } from './hub-metrics.js';
import { closedLoop, openLoop } from './load.js';
import { PHASE_HEAD, phaseReport, phaseRow, settledStats, type PhaseReport } from './phase-report.js';
import { scenarioArgs, startScenario } from './scenario.js';
import { verifyDeliveredEdxml, type EdxmlSampleVerdict } from './verify-delivered-edxml.js';

const { values: args } = parseArgs({
  options: {
    ...scenarioArgs,
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    'saturation-seconds': { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '64' },
    // edXML only: delivered packets checked with xmlsec1 at the end.
    'verify-sample': { type: 'string', default: '20' },
    out: { type: 'string' },
  },
});
const num = (v: string | undefined): number => Number(v);

async function main(): Promise<void> {
  const machine = machineFacts();
  const s = await startScenario('run', args, log);
  try {
    log(`hub up: ${s.description}`);

    // 1. open loop at the target rate (--seconds 0 skips it)
    let open: PhaseReport | undefined;
    let openCosts: PhaseCosts | undefined;
    let openDiagnostics: { hubAcceptWithin: { ms: number; percent: number }[]; loadGeneratorLoopDelayMs: { p50: number; p99: number; max: number } } | undefined;
    if (num(args.seconds) > 0) {
      log(`open loop: ${args.rate} documents/s for ${args.seconds} s …`);
      // Where the accept latency goes: the hub's own accept time (request in → 202 out, its histogram)
      // and this process's event-loop delay (the simulated endpoint runs here too: a late timer or
      // a late answer counts in the accept latency measured from each request's scheduled time).
      const acceptBefore = await hubAcceptBuckets(s.hub.apiUrls);
      const loopDelay = monitorEventLoopDelay({ resolution: 5 });
      loopDelay.enable();
      const costs = await startCostMeter(s.hub);
      const load = await openLoop(s.target, num(args.rate), num(args.seconds), 1_000_000);
      openCosts = await costs.stop(load.accepted);
      loopDelay.disable();
      open = phaseReport(load, await settledStats(s.deliveries, load), num(args.rate));
      openDiagnostics = {
        hubAcceptWithin: shareWithin(await hubAcceptBuckets(s.hub.apiUrls), acceptBefore).map(({ le, share }) => ({ ms: le * 1000, percent: share * 100 })),
        // The histogram's resolution (5 ms) is its floor: what is above it is the delay.
        loadGeneratorLoopDelayMs: { p50: Math.max(0, loopDelay.percentile(50) / 1e6 - 5), p99: Math.max(0, loopDelay.percentile(99) / 1e6 - 5), max: Math.max(0, loopDelay.max / 1e6 - 5) },
      };
    }

    // 2. saturation, with the CPU each process spent per document (--saturation-seconds 0 skips it)
    let saturation: PhaseReport | undefined;
    let saturationCosts: PhaseCosts | undefined;
    let batches: Record<string, number> | undefined;
    if (num(args['saturation-seconds']) > 0) {
      log(`closed loop: ${args.concurrency} clients for ${args['saturation-seconds']} s …`);
      const costs = await startCostMeter(s.hub);
      const batchesBefore = await hubBatchTotals(s.hub.processes.map((p) => p.url));
      const load = await closedLoop(s.target, num(args.concurrency), num(args['saturation-seconds']), 5_000_000);
      saturationCosts = await costs.stop(load.accepted);
      saturation = phaseReport(load, await settledStats(s.deliveries, load));
      batches = meanBatchSizes(await hubBatchTotals(s.hub.processes.map((p) => p.url)), batchesBefore);
    }

    // 3. edXML: the independent check of what was measured (after the measurement: it costs CPU).
    let xmlsec: EdxmlSampleVerdict | undefined;
    if (s.format === 'edxml') {
      xmlsec = await verifyDeliveredEdxml({ base: s.hub.apiUrls[0]!, key: s.hub.senderKey, caPem: s.hub.caPem, deliveries: s.sim.requests('h14'), sample: num(args['verify-sample']) });
    }
    const summary = {
      machine,
      setup: {
        processes: s.hub.processes.map((p) => p.name).join(' + '), store: s.store, format: s.format, documentBytes: s.target.body(1_000_000).length,
        receiptAlg: args.alg, workerConcurrency: num(args['worker-concurrency']), poolSize: num(args['pool-size']),
      },
      ...(open && openCosts ? { openLoop: { ...open, ...openDiagnostics, cpuPerDocumentMs: openCosts.cpuPerDocumentMs, gcPerDocumentMs: openCosts.gcPerDocumentMs } } : {}),
      ...(saturation && saturationCosts ? {
        saturation,
        meanGroupCommitBatch: batches,
        cpuPerDocumentMs: saturationCosts.cpuPerDocumentMs,
        gcPerDocumentMs: saturationCosts.gcPerDocumentMs,
        cpuDuringSaturation: saturationCosts.machine,
      } : {}),
      ...(xmlsec ? { xmlsecSample: xmlsec } : {}),
      at: new Date().toISOString(),
    };
    log('');
    log(`${''.padEnd(12)}${PHASE_HEAD}`);
    for (const [name, r] of [['open loop', open], ['saturation', saturation]] as const) if (r) log(`${name.padEnd(12)}${phaseRow(r)}`);
    if (openDiagnostics) {
      const within = openDiagnostics.hubAcceptWithin.filter(({ ms }) => ms >= 5 && ms <= 100).map(({ ms, percent }) => `≤ ${ms} ms ${percent.toFixed(1)} %`).join(', ');
      const d = openDiagnostics.loadGeneratorLoopDelayMs;
      log(`  open loop, the hub's own accept time (request in → 202 out): ${within}`);
      log(`  open loop, this process's event-loop delay (counted in accept latency): p50 ${d.p50.toFixed(1)}, p99 ${d.p99.toFixed(1)}, max ${d.max.toFixed(1)} ms`);
    }
    for (const [name, c] of [['open loop', openCosts], ['saturation', saturationCosts]] as const) {
      if (!c) continue;
      log(`  CPU per document (${name}): ${formatCpu(c.cpuPerDocumentMs)}`);
      log(`  garbage collection per document (${name}): ${formatGc(c.gcPerDocumentMs)}`);
      log(`  machine during ${name}: ${c.machine.machineBusyPercent.toFixed(0)} % busy, ${c.machine.machineStealPercent.toFixed(1)} % steal, ${c.machine.otherProcessesPercent.toFixed(1)} % other processes`);
    }
    if (batches) log(`  mean group-commit batch (saturation): ${Object.entries(batches).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
    if (xmlsec) {
      log(`  xmlsec1 --verify (hub CA only): ${xmlsec.verified}/${xmlsec.sampled} sampled delivered packets verified, ${xmlsec.sameAsDelivered}/${xmlsec.sampled} byte-identical to the delivered body`);
      for (const failure of xmlsec.failures.slice(0, 5)) log(`    ${failure}`);
    }
    const out = args.out ?? (s.format === 'edxml' ? 'bench/results/latest-edxml.json' : 'bench/results/latest.json');
    await writeResult(out, summary);
    log(`\nwritten to ${out}`);
    if (xmlsec && (xmlsec.sampled === 0 || xmlsec.verified < xmlsec.sampled || xmlsec.sameAsDelivered < xmlsec.sampled)) process.exitCode = 1;
  } finally {
    await s.close();
  }
}

/** What a phase cost each process per accepted document: CPU, garbage collection, and the machine's load. */
interface PhaseCosts {
  cpuPerDocumentMs: Record<string, number>;
  gcPerDocumentMs: Record<string, { total: number; major: number }>;
  machine: { machineBusyPercent: number; machineStealPercent: number; otherProcessesPercent: number };
}

async function startCostMeter(hub: BenchHub): Promise<{ stop(documents: number): Promise<PhaseCosts> }> {
  const meter = await startCpuMeter(hubCpuSources(hub));
  const gcBefore = await hubGcTotals(hub.processes);
  return {
    async stop(documents) {
      const cpu = await meter.stop();
      return {
        cpuPerDocumentMs: cpuPerUnitMs(cpu, documents),
        gcPerDocumentMs: gcPerUnitMs(await hubGcTotals(hub.processes), gcBefore, documents),
        machine: { machineBusyPercent: cpu.machineBusyPercent, machineStealPercent: cpu.machineStealPercent, otherProcessesPercent: cpu.otherPercent },
      };
    },
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
