import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds (user + system) used so far by every process whose command line matches `pattern`,
 * read from /proc (Linux only; elsewhere 0). Lets the benchmark say what PostgreSQL and Redis spend
 * per document, not only the hub processes.
 */
export function processCpuSeconds(pattern: RegExp): number {
  let ticks = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (!pattern.test(cmdline)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / 100; // USER_HZ
}
