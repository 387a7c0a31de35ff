import { cpus } from 'node:os';
import type { BenchHub } from './bench-hub.js';
import { machineCpu, pidCpuSeconds, processCpuSeconds } from './process-cpu.js';

/** Named readers of CPU seconds used so far (a process or a group of processes). */
export type CpuSources = Record<string, () => number | Promise<number>>;

/** PostgreSQL's processes doing the hub's work: their backend types (the hub's own backends are found by name). */
const POSTGRES_BACKGROUND = ['checkpointer', 'background writer', 'walwriter', 'autovacuum launcher', 'autovacuum worker'];

/**
 * Where a benchmark's CPU goes: each hub process (from /proc by pid), PostgreSQL (the hub's backends,
 * found by their `application_name`, plus the server's writer and checkpointer — other sessions on
 * the server are not counted), the Redis server the hub uses (by its port; other work may use it
 * too) and this process (load generator and simulated endpoints).
 */
export function hubCpuSources(hub: BenchHub): CpuSources {
  const sources: CpuSources = {};
  for (const p of hub.processes) sources[p.name] = () => pidCpuSeconds(p.pid);
  const db = hub.db;
  if (db && hub.pgApplicationName) {
    const name = hub.pgApplicationName;
    sources.postgres = async () => {
      const { rows } = await db.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1 OR backend_type = ANY($2::text[])', [name, POSTGRES_BACKGROUND]);
      return rows.reduce((sum, r) => sum + pidCpuSeconds(r.pid), 0);
    };
  }
  // redis-server shows its address in its command line (`redis-server 127.0.0.1:6379`); tests may run others.
  const redisPort = new URL(hub.redisUrl).port || '6379';
  sources.redis = () => processCpuSeconds(new RegExp(`redis-server \\S*:${redisPort}\\b`));
  sources.benchmark = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1e6;
  };
  return sources;
}

/** CPU used between start and stop, per source, and what the machine as a whole did meanwhile. */
export interface CpuReport {
  elapsedSeconds: number;
  /** CPU seconds per source. */
  seconds: Record<string, number>;
  /** Busy share of all cores (100 % = every core busy the whole time). */
  machineBusyPercent: number;
  /** Share of all cores' time the hypervisor gave to other VMs. */
  machineStealPercent: number;
  /** Busy share of all cores spent by processes not among the sources: other work on the machine. */
  otherPercent: number;
}

export interface CpuMeter {
  stop(): Promise<CpuReport>;
}

export async function startCpuMeter(sources: CpuSources): Promise<CpuMeter> {
  const read = async (): Promise<Record<string, number>> =>
    Object.fromEntries(await Promise.all(Object.entries(sources).map(async ([name, f]) => [name, await f()] as const)));
  const before = await read();
  const machineBefore = machineCpu();
  const t0 = performance.now();
  return {
    async stop() {
      const after = await read();
      const machineAfter = machineCpu();
      const elapsedSeconds = (performance.now() - t0) / 1000;
      const seconds = Object.fromEntries(Object.keys(after).map((name) => [name, after[name]! - before[name]!]));
      const capacity = elapsedSeconds * cpus().length;
      const busy = machineAfter.busy - machineBefore.busy;
      const ours = Object.values(seconds).reduce((a, b) => a + b, 0);
      return {
        elapsedSeconds, seconds,
        machineBusyPercent: (100 * busy) / capacity,
        machineStealPercent: (100 * (machineAfter.steal - machineBefore.steal)) / capacity,
        otherPercent: Math.max(0, (100 * (busy - ours)) / capacity),
      };
    },
  };
}

/** CPU milliseconds per unit of work (document, delivery) for each source, and their total. */
export function cpuPerUnitMs(report: CpuReport, units: number): Record<string, number> {
  const per = Object.fromEntries(Object.entries(report.seconds).map(([name, s]) => [name, (s * 1000) / units]));
  return { ...per, total: Object.values(per).reduce((a, b) => a + b, 0) };
}

/** `serve-1 0.82, worker-1 1.10, …, total 3.70 ms`. */
export function formatCpu(perUnit: Record<string, number>): string {
  return `${Object.entries(perUnit).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')} ms`;
}
