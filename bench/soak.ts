/**
 * `npm run bench:soak [-- --minutes 30 --share 0.55 | --rate 300]` — the hub under a steady load for a
 * long time, to show that its memory stays flat: measures the saturation rate (closed loop, as
 * `npm run bench` does), then sends an open loop at --share of it (or at --rate documents/s) for
 * --minutes. Every --sample-seconds it records each hub process's RSS and V8 heap (used, total,
 * Buffers), the hub's PostgreSQL backends' private memory and the schema's size, Redis's memory and the
 * hub's keys, and the window's accept and accept→delivered latency. Prints a row per --report-minutes
 * and a verdict per process: the slope of a least-squares line through RSS (and through the heap's
 * floor, the lowest heap each minute, i.e. after collections) over the last --fit-minutes (default 20;
 * the last two thirds of a shorter run), in MB per hour. Every --gc-minutes (default 2; 0: never) it
 * also forces a full garbage collection in each hub process through its inspector and records the
 * heap still in use (the live heap): RSS follows what the load has in flight and what V8 and the
 * allocator keep, the live heap only what is reachable, so a leak shows there first and a busy
 * neighbour does not. The same hub options as `npm run bench`. Writes bench/results/soak-<date>.json
 * with every sample.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { log, machineFacts, writeResult } from './bench-results.js';
import { cpuPerUnitMs, formatCpu, hubCpuSources, startCpuMeter } from './cpu-meter.js';
import { deliveryStats, waitDrained } from './delivery-log.js';
import { liveHeapAfterGc } from './inspector-gc.js';
import { linearFit, type LinearFit } from './linear-fit.js';
import { closedLoop, LoadPools, openLoop, percentile, type LoadResult } from './load.js';
import { sampleMemory, type MemorySample } from './memory-sample.js';
import { phaseReport, settledStats } from './phase-report.js';
import { MIB } from './process-memory.js';
import { scenarioArgs, startScenario } from './scenario.js';

const { values: args } = parseArgs({
  options: {
    ...scenarioArgs,
    minutes: { type: 'string', default: '30' },
    share: { type: 'string', default: '0.55' },
    rate: { type: 'string' },
    'saturation-seconds': { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '64' },
    'sample-seconds': { type: 'string', default: '10' },
    'report-minutes': { type: 'string', default: '5' },
    'fit-minutes': { type: 'string', default: '20' },
    'gc-minutes': { type: 'string', default: '2' },
    out: { type: 'string' },
  },
});

/** One sampling window: its load and latencies, and memory at its end. */
interface Window {
  t: number;
  sent: number;
  accepted: number;
  errors: number;
  acceptP50Ms: number;
  acceptP99Ms: number;
  deliveredP50Ms: number;
  deliveredP99Ms: number;
  /** Not yet delivered half a window after this one ended. */
  undelivered: number;
  memory: MemorySample;
  /** V8 heap in use after a forced full collection, per process (bytes), when one was made after this window. */
  liveHeap?: Record<string, number>;
}

async function main(): Promise<void> {
  const machine = machineFacts();
  const s = await startScenario('soak', args, log);
  const redis = new Redis(args['redis-url']!);
  try {
    log(`hub up: ${s.description}`);
    // 1. the rate: a share of the saturation rate measured now, or as given
    let rate = Number(args.rate);
    if (!(rate > 0)) {
      log(`saturation: ${args.concurrency} clients for ${args['saturation-seconds']} s …`);
      const load = await closedLoop(s.target, Number(args.concurrency), Number(args['saturation-seconds']), 1);
      const sat = phaseReport(load, await settledStats(s.deliveries, load));
      rate = Math.round(Number(args.share) * Math.min(sat.acceptedPerSecond, sat.deliveredPerSecond));
      log(`  ${sat.acceptedPerSecond.toFixed(0)} accepted/s, ${sat.deliveredPerSecond.toFixed(0)} delivered/s → soak at ${rate} documents/s (${Math.round(Number(args.share) * 100)} %)`);
    }
    await waitDrained(s.deliveries, 120_000);
    s.sim.reset();

    // 2. the soak: back-to-back open-loop windows on the same connections; each window's deliveries
    //    are read while the next one runs.
    const sampleSeconds = Number(args['sample-seconds']);
    const windows: Window[] = [];
    const pools = new LoadPools(s.target);
    const t0 = performance.now();
    const since = (): number => (performance.now() - t0) / 1000;
    const baseline = await sampleMemory(s.hub, 0, { client: redis, prefix: s.hub.queuePrefix });
    const meter = await startCpuMeter(hubCpuSources(s.hub));
    const windowCount = Math.round((Number(args.minutes) * 60) / sampleSeconds);
    const gcEvery = Number(args['gc-minutes']) > 0 ? Math.max(1, Math.round((Number(args['gc-minutes']) * 60) / sampleSeconds)) : 0;
    const reportEvery = Math.max(1, Math.round((Number(args['report-minutes']) * 60) / sampleSeconds));
    log(`soak: ${rate} documents/s for ${args.minutes} min, a sample every ${sampleSeconds} s`);
    log(header());
    let previous: LoadResult | undefined;
    let accepted = 0;
    for (let i = 0; i < windowCount; i += 1) {
      const [load, done] = await Promise.all([
        openLoop(s.target, rate, sampleSeconds, 1_000_000 + i * Math.ceil(rate * sampleSeconds + 1), pools),
        previous ? closeWindow(previous) : Promise.resolve(undefined),
      ]);
      if (done) windows.push(done);
      accepted += load.accepted;
      previous = load;
      if (windows.length > 0 && windows.length % reportEvery === 0) log(row(windows.slice(-reportEvery), sampleSeconds));
    }
    // Every document accepted must end delivered: what still waits two minutes after the load stops is reported.
    const stillWaiting = await waitDrained(s.deliveries, 120_000);
    windows.push(await closeWindow(previous!));
    const cpu = await meter.stop();
    // The last block holds the final window (pushed after the loop): print it, full or not.
    log(row(windows.slice(-(windows.length % reportEvery || reportEvery)), sampleSeconds));
    await pools.close();

    async function closeWindow(load: LoadResult): Promise<Window> {
      // Half a window later (the next one runs meanwhile), the last documents of this one are delivered.
      await new Promise((r) => setTimeout(r, sampleSeconds * 500));
      const memory = await sampleMemory(s.hub, since(), { client: redis, prefix: s.hub.queuePrefix });
      const delivery = deliveryStats(await s.deliveries.times(load.messageIds, load.startedAt));
      s.sim.reset(); // the simulator would otherwise keep a record of every request
      let liveHeap: Record<string, number> | undefined;
      if (gcEvery > 0 && (windows.length + 1) % gcEvery === 0) {
        liveHeap = {};
        for (const p of s.hub.processes) liveHeap[p.name] = await liveHeapAfterGc(p.pid, p.inspectPort);
      }
      return {
        t: memory.t, sent: load.sent, accepted: load.accepted, errors: load.errors,
        acceptP50Ms: percentile(load.latencies, 50), acceptP99Ms: percentile(load.latencies, 99),
        deliveredP50Ms: delivery.p50Ms, deliveredP99Ms: delivery.p99Ms, undelivered: delivery.deliveries - delivery.delivered, memory,
        ...(liveHeap ? { liveHeap } : {}),
      };
    }

    // 3. the verdict: the slope of memory over the last --fit-minutes
    const minutes = since() / 60;
    const fitMinutes = minutes >= Number(args['fit-minutes']) + 1 ? Number(args['fit-minutes']) : (minutes * 2) / 3;
    const fitted = windows.filter((w) => w.t >= (minutes - fitMinutes) * 60);
    const verdicts = Object.keys(baseline.processes).map((name) => verdict(name, fitted, fitMinutes));
    const pgFit = fitted[0]?.memory.postgres ? slopeMbPerHour(fitted.map((w) => ({ x: w.t, y: w.memory.postgres!.anon }))) : undefined;
    log('');
    for (const v of verdicts) log(v.line);
    if (pgFit) log(`postgres backends (private memory): ${fmtSlope(pgFit)}`);
    const cpuPerDocumentMs = cpuPerUnitMs(cpu, accepted);
    log(`CPU per document over the soak: ${formatCpu(cpuPerDocumentMs)}; machine ${cpu.machineBusyPercent.toFixed(0)} % busy, ${cpu.otherPercent.toFixed(1)} % other processes`);
    log(`${accepted} documents accepted, ${windows.reduce((n, w) => n + w.errors, 0)} refused or failed; deliveries still waiting 2 min after the load stopped: ${stillWaiting}`);
    const stamp = new Date().toISOString().replace(/[:]/g, '').replace(/\..*$/, '');
    const out = args.out ?? `bench/results/soak-${stamp}.json`;
    await writeResult(out, {
      machine, setup: { processes: s.hub.processes.map((p) => p.name).join(' + '), store: s.store, format: s.format, rate, minutes: Number(args.minutes), sampleSeconds },
      accepted, stillWaiting, baseline, windows, fitMinutes, verdicts: verdicts.map(({ line: _line, ...v }) => v), ...(pgFit ? { postgresAnonFit: pgFit } : {}),
      cpuPerDocumentMs, machineBusyPercent: cpu.machineBusyPercent, otherProcessesPercent: cpu.otherPercent, at: new Date().toISOString(),
    });
    log(`\nwritten to ${out}`);
  } finally {
    redis.disconnect();
    await s.close();
  }
}

/** The slope of a fit of bytes over seconds, in MB (10⁶ bytes) per hour, with its standard error. */
function slopeMbPerHour(points: { x: number; y: number }[]): LinearFit {
  const fit = linearFit(points);
  const perHour = 3600 / 1e6;
  return { ...fit, slope: fit.slope * perHour, intercept: fit.intercept / 1e6, slopeStandardError: fit.slopeStandardError * perHour };
}

const fmtSlope = (f: LinearFit): string => `${f.slope >= 0 ? '+' : ''}${f.slope.toFixed(1)} ± ${(2 * f.slopeStandardError).toFixed(1)} MB/h (${f.points} samples)`;

/**
 * Flat when the slope is under 2 MB/h or within twice its standard error of zero (the heap's
 * saw-tooth and the load in flight make single samples noisy). RSS is judged, and the live heap after
 * forced collections when there are some: it tells a leak in JavaScript objects from memory that V8
 * or the allocator keeps after a busy spell.
 */
function verdict(name: string, windows: readonly Window[], fitMinutes: number) {
  const isFlat = (f: LinearFit): boolean => f.slope < 2 || f.slope < 2 * f.slopeStandardError;
  const rss = slopeMbPerHour(windows.map((w) => ({ x: w.t, y: w.memory.processes[name]!.rss })));
  const gcs = windows.filter((w) => w.liveHeap?.[name] !== undefined);
  const live = gcs.length >= 3 ? slopeMbPerHour(gcs.map((w) => ({ x: w.t, y: w.liveHeap![name]! }))) : undefined;
  const byMinute = new Map<number, number>();
  for (const w of windows) {
    const minute = Math.floor(w.t / 60);
    byMinute.set(minute, Math.min(byMinute.get(minute) ?? Infinity, w.memory.processes[name]!.heapUsed));
  }
  const heapFloor = slopeMbPerHour([...byMinute].map(([minute, y]) => ({ x: minute * 60, y })));
  const flat = isFlat(rss);
  const liveFlat = live ? isFlat(live) : undefined;
  const first = windows[0]?.memory.processes[name]?.rss ?? Number.NaN;
  const last = windows.at(-1)?.memory.processes[name]?.rss ?? Number.NaN;
  const liveText = live ? `; live heap after full GC ${(gcs[0]!.liveHeap![name]! / MIB).toFixed(1)} → ${(gcs.at(-1)!.liveHeap![name]! / MIB).toFixed(1)} MiB, slope ${fmtSlope(live)}` : '';
  const word = flat ? 'FLAT' : liveFlat ? 'RSS GROWING, LIVE HEAP FLAT' : 'GROWING';
  return {
    process: name, rssMbPerHour: rss, heapFloorMbPerHour: heapFloor, ...(live ? { liveHeapMbPerHour: live } : {}), flat, ...(liveFlat !== undefined ? { liveHeapFlat: liveFlat } : {}),
    line: `${name}: RSS ${(first / MIB).toFixed(0)} → ${(last / MIB).toFixed(0)} MiB over the last ${fitMinutes.toFixed(0)} min, slope ${fmtSlope(rss)}; heap floor ${fmtSlope(heapFloor)}${liveText} → ${word}`,
  };
}

function header(): string {
  // p50: the median window's; p99: the worst window's
  return '   min   acc/s  err   accept p50/p99 ms   deliv p50/p99 ms  | RSS / heap used MiB per process                 | PG backends MiB  schema MiB | Redis MiB  keys | live heap MiB';
}

/** One report row: the windows' load and latency, memory at the last one. */
function row(ws: readonly Window[], sampleSeconds: number): string {
  const last = ws.at(-1)!;
  const seconds = ws.length * sampleSeconds;
  const accepted = ws.reduce((n, w) => n + w.accepted, 0);
  const errors = ws.reduce((n, w) => n + w.errors, 0);
  const worst = (f: (w: Window) => number): number => Math.max(...ws.map(f));
  const median = (f: (w: Window) => number): number => percentile(ws.map(f), 50);
  const mem = Object.entries(last.memory.processes).map(([name, m]) => `${name} ${(m.rss / MIB).toFixed(0)}/${(m.heapUsed / MIB).toFixed(0)}`).join('  ');
  const pg = last.memory.postgres;
  const r = last.memory.redis;
  const gc = [...ws].reverse().find((w) => w.liveHeap)?.liveHeap;
  const live = gc ? Object.entries(gc).map(([name, bytes]) => `${name} ${(bytes / MIB).toFixed(1)}`).join('  ') : '-';
  return `${(last.t / 60).toFixed(1).padStart(6)}  ${(accepted / seconds).toFixed(0).padStart(6)}  ${String(errors).padStart(3)}   ${median((w) => w.acceptP50Ms).toFixed(1).padStart(7)} / ${worst((w) => w.acceptP99Ms).toFixed(0).padStart(5)}   ${median((w) => w.deliveredP50Ms).toFixed(0).padStart(6)} / ${worst((w) => w.deliveredP99Ms).toFixed(0).padStart(5)}  | ${mem.padEnd(46)} | ${pg ? `${(pg.anon / MIB).toFixed(0).padStart(6)} (${pg.backends})  ${(pg.databaseBytes / MIB).toFixed(0).padStart(8)}` : '        -          -'} | ${r ? `${(r.usedMemory / MIB).toFixed(1).padStart(8)}  ${String(r.keys).padStart(4)}` : '-'} | ${live}`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
