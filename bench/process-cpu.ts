import { readdirSync, readFileSync } from 'node:fs';

const USER_HZ = 100;

/** CPU seconds (user + system) process `pid` has used so far, from /proc (Linux; 0 when it is gone). */
export function pidCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ; // utime, stime (fields 14 and 15 of stat)
  } catch {
    return 0; // ended meanwhile, or not Linux
  }
}

/** Ids of the processes whose command line matches `pattern` (Linux; none elsewhere). */
export function pidsMatching(pattern: RegExp): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return pids.filter((pid) => {
    try {
      return pattern.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      return false; // ended meanwhile
    }
  }).map(Number);
}

/**
 * CPU seconds (user + system) used so far by every process whose command line matches `pattern`.
 * Lets the benchmark say what Redis spends per document, not only the hub processes.
 */
export function processCpuSeconds(pattern: RegExp): number {
  return pidsMatching(pattern).reduce((sum, pid) => sum + pidCpuSeconds(pid), 0);
}

/** The machine's CPU time so far, in seconds summed over all cores, from /proc/stat. */
export interface MachineCpu {
  /** user + nice + system + irq + softirq. */
  busy: number;
  idle: number;
  iowait: number;
  /** Time the hypervisor gave this VM's virtual CPUs to someone else: a noisy neighbour, not us. */
  steal: number;
}

export function machineCpu(): MachineCpu {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map((v) => Number(v) / USER_HZ);
    return { busy: user! + nice! + system! + irq! + softirq!, idle: idle!, iowait: iowait!, steal: steal ?? 0 };
  } catch {
    return { busy: 0, idle: 0, iowait: 0, steal: 0 };
  }
}
