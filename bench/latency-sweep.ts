/**
 * `npm run bench:sweep [-- --format edxml --seconds 15 --shares 25,50,75,100]` — latency by load:
 * measures the saturation rate first (closed loop, --concurrency clients for --saturation-seconds;
 * or takes `--saturation N` documents/s as given), then runs an open loop at each share of it, one
 * after the other with the hub drained in between, and prints for each: accepted and delivered per
 * second, accept p50/p95/p99 (from each request's scheduled start, so queueing in the client counts)
 * and accept→delivered p50/p95/p99 (the hub's own timestamps), and CPU per document. The same hub
 * options as `npm run bench` (`--store`, `--api`, `--workers`, `--format` …). Writes
 * bench/results/sweep.json (`--format edxml`: sweep-edxml.json).
 */
import { parseArgs } from 'node:util';
import { log, machineFacts, writeResult } from './bench-results.js';
import { cpuPerUnitMs, formatCpu, hubCpuSources, startCpuMeter } from './cpu-meter.js';
import { waitDrained } from './delivery-log.js';
import { hubBatchTotals, meanBatchSizes } from './hub-metrics.js';
import { closedLoop, openLoop } from './load.js';
import { PHASE_HEAD, phaseReport, phaseRow, settledStats, type PhaseReport } from './phase-report.js';
import { scenarioArgs, startScenario } from './scenario.js';

const { values: args } = parseArgs({
  options: {
    ...scenarioArgs,
    seconds: { type: 'string', default: '15' },
    shares: { type: 'string', default: '25,50,75,100' },
    saturation: { type: 'string' },
    'saturation-seconds': { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '64' },
    out: { type: 'string' },
  },
});

interface SweepStep extends PhaseReport {
  sharePercent: number;
  cpuPerDocumentMs: Record<string, number>;
  machineBusyPercent: number;
  otherProcessesPercent: number;
  /** Documents per group-commit statement during the step: what the CPU per document follows. */
  meanGroupCommitBatch: Record<string, number>;
}

async function main(): Promise<void> {
  const machine = machineFacts();
  const s = await startScenario('sweep', args, log);
  try {
    log(`hub up: ${s.description}`);
    // 1. the sustainable rate: what a closed loop gets through (or as given)
    let saturation: PhaseReport | undefined;
    let rate = Number(args.saturation);
    if (!(rate > 0)) {
      log(`saturation: ${args.concurrency} clients for ${args['saturation-seconds']} s …`);
      const load = await closedLoop(s.target, Number(args.concurrency), Number(args['saturation-seconds']), 1_000_000);
      saturation = phaseReport(load, await settledStats(s.deliveries, load));
      rate = Math.min(saturation.acceptedPerSecond, saturation.deliveredPerSecond);
      log(`  ${saturation.acceptedPerSecond.toFixed(0)} accepted/s, ${saturation.deliveredPerSecond.toFixed(0)} delivered/s → 100 % = ${rate.toFixed(0)} documents/s`);
    }

    // 2. open loops at each share of it
    const steps: SweepStep[] = [];
    let first = 2_000_000;
    for (const share of args.shares!.split(',').map(Number)) {
      await waitDrained(s.deliveries, 120_000);
      await new Promise((r) => setTimeout(r, 2_000));
      const offered = (rate * share) / 100;
      log(`open loop at ${share} %: ${offered.toFixed(0)} documents/s for ${args.seconds} s …`);
      const urls = s.hub.processes.map((p) => p.url);
      const meter = await startCpuMeter(hubCpuSources(s.hub));
      const batchesBefore = await hubBatchTotals(urls);
      const load = await openLoop(s.target, offered, Number(args.seconds), first);
      const cpu = await meter.stop();
      const meanGroupCommitBatch = meanBatchSizes(await hubBatchTotals(urls), batchesBefore);
      first += load.sent;
      steps.push({
        sharePercent: share, ...phaseReport(load, await settledStats(s.deliveries, load, 120_000), offered),
        cpuPerDocumentMs: cpuPerUnitMs(cpu, load.accepted), machineBusyPercent: cpu.machineBusyPercent, otherProcessesPercent: cpu.otherPercent, meanGroupCommitBatch,
      });
    }

    log('');
    log(`${'load'.padEnd(10)}${PHASE_HEAD}   machine busy / other`);
    if (saturation) log(`${'closed'.padEnd(10)}${phaseRow(saturation)}`);
    for (const step of steps) log(`${`${step.sharePercent} %`.padEnd(10)}${phaseRow(step)}   ${step.machineBusyPercent.toFixed(0)} % / ${step.otherProcessesPercent.toFixed(0)} %`);
    for (const step of steps) {
      const batches = Object.entries(step.meanGroupCommitBatch).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
      log(`  at ${step.sharePercent} %: CPU per document ${formatCpu(step.cpuPerDocumentMs)}; documents per group commit: ${batches}`);
    }
    const out = args.out ?? (s.format === 'edxml' ? 'bench/results/sweep-edxml.json' : 'bench/results/sweep.json');
    await writeResult(out, {
      machine, setup: { processes: s.hub.processes.map((p) => p.name).join(' + '), store: s.store, format: s.format, documentBytes: s.target.body(1_000_000).length, secondsPerStep: Number(args.seconds) },
      sustainableRate: rate, ...(saturation ? { saturation } : {}), steps, at: new Date().toISOString(),
    });
    log(`\nwritten to ${out}`);
  } finally {
    await s.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
