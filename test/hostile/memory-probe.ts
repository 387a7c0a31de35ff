import { readFileSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const MiB = 1024 * 1024;

/** One measured group of attacks. */
export interface MemoryRow {
  group: string;
  /** RSS before, the peak while the attacks ran (Linux VmHWM, reset before), and after; MiB. */
  rssBefore: number;
  rssPeak: number;
  rssAfter: number;
  /** V8 heap in use before and after, MiB. */
  heapBefore: number;
  heapAfter: number;
  /** The bound the peak's growth is held to, MiB. */
  boundMiB: number;
}

/**
 * Measures this process's memory around a group of attacks. The hub under test runs in this process
 * (the test hub helper), so its RSS is what grows when an attack makes the hub buffer; whatever
 * the test itself allocates for its attack (a 50 MB junk buffer) is made before `measure` starts.
 * The peak is the kernel's high-water mark (`VmHWM`, reset through `/proc/self/clear_refs`), which
 * no sampling interval can miss; the garbage of earlier tests is collected before the baseline.
 */
export class MemoryProbe {
  readonly rows: MemoryRow[] = [];

  /** Runs `attacks`, records the row, and returns the peak RSS growth in MiB. */
  async measure(group: string, boundMiB: number, attacks: () => Promise<void>): Promise<number> {
    // Garbage of the tests before goes first, so the baseline is what the process holds.
    collectGarbage();
    const before = process.memoryUsage();
    resetPeak();
    await attacks();
    const peak = Math.max(peakRss(), process.memoryUsage().rss);
    const after = process.memoryUsage();
    this.rows.push({
      group, boundMiB,
      rssBefore: before.rss / MiB, rssPeak: peak / MiB, rssAfter: after.rss / MiB,
      heapBefore: before.heapUsed / MiB, heapAfter: after.heapUsed / MiB,
    });
    return (peak - before.rss) / MiB;
  }

  /** The rows as a small table (printed by the suite so the figures can go into the README). */
  table(title: string): string {
    const f = (n: number): string => n.toFixed(0).padStart(6);
    const lines = [
      `${title} — RSS of the test process (the hub runs in it), MiB`,
      `${'group'.padEnd(58)} before   peak  after  growth  bound  heap before→after`,
      ...this.rows.map((r) => `${r.group.padEnd(58)} ${f(r.rssBefore)} ${f(r.rssPeak)} ${f(r.rssAfter)} ${f(r.rssPeak - r.rssBefore).padStart(7)} ${f(r.boundMiB)}  ${r.heapBefore.toFixed(0)}→${r.heapAfter.toFixed(0)}`),
    ];
    return lines.join('\n');
  }
}

/** Resets the kernel's peak-RSS mark of this process (Linux ≥ 4.0). */
function resetPeak(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

/** The peak RSS since the last reset, in bytes (VmHWM). */
function peakRss(): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!match) throw new Error('VmHWM not found in /proc/self/status (Linux only)');
  return Number(match[1]) * 1024;
}

/** V8's full collection, without starting node with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
